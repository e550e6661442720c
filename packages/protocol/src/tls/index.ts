export { httpsServerOptions } from './https-server-options.js';
export { isLoopbackUrl, isSecureBaseUrl } from './loopback.js';
export { needsTlsClient, tlsFetch } from './tls-fetch.js';
export { loadTlsFiles, type TlsFiles, type TlsMaterial } from './tls-files.js';
