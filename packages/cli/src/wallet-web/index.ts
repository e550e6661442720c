export { startWalletServer, type WalletServer, type WalletServerOptions } from './wallet-server.js';
