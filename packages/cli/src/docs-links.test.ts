import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Hosts a document may link to outside the repository: the standards the protocol implements
 * (IETF RFCs, W3C, EMVCo). Anything else would leave a clone with a dead or moving reference.
 */
const STANDARDS_HOSTS = ['rfc-editor.org', 'datatracker.ietf.org', 'w3.org', 'emvco.com'];

/** The documents whose links are checked: the README and every Markdown file in `docs/`. */
function documentsOf(root: string): string[] {
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((name) => name.endsWith('.md'))
        .map((name) => join('docs', name))
    : [];
  return ['README.md', ...inDocs];
}

/** Link targets of a Markdown text: inline links, images and reference definitions, outside code. */
function linkTargets(markdown: string): string[] {
  const prose = markdown
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const references = [...prose.matchAll(/^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)];
  const autolinks = [...prose.matchAll(/<([a-z][a-z0-9+.-]*:[^\s>]+)>/gi)];
  return [...inline, ...references, ...autolinks].map((m) => m[1] ?? '');
}

/** GitHub's anchors for the headings of a Markdown text (duplicates get `-1`, `-2`, …). */
function headingAnchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutCode.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = (match[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

function isStandard(url: URL): boolean {
  return (
    url.protocol === 'https:' &&
    STANDARDS_HOSTS.some((host) => url.hostname === host || url.hostname.endsWith(`.${host}`))
  );
}

/** Every link of `files` (relative to `root`) that does not resolve, as `file: target (why)`. */
function linkProblems(root: string, files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const target of linkTargets(text)) {
      const fail = (why: string): void => void problems.push(`${file}: ${target} (${why})`);
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        if (!URL.canParse(target) || !isStandard(new URL(target)))
          fail('leaves the repository for something other than a standard');
        continue;
      }
      const hash = target.indexOf('#');
      const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
      const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const resolved = path === '' ? join(root, file) : resolve(dirname(join(root, file)), path);
      const inside = relative(root, resolved);
      if (
        inside === '' ||
        inside.startsWith(`..${sep}`) ||
        inside === '..' ||
        inside.startsWith(sep)
      ) {
        fail('points outside the repository');
        continue;
      }
      if (!existsSync(resolved)) {
        fail('no such file');
        continue;
      }
      if (anchor !== undefined && anchor !== '') {
        if (!resolved.endsWith('.md')) fail('an anchor into a file that is not Markdown');
        else if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor))
          fail('no such heading');
      }
    }
  }
  return problems;
}

describe('links in README.md and docs/*.md', () => {
  it('resolve to files and headings in the repository, or to standards', () => {
    expect(linkProblems(ROOT, documentsOf(ROOT))).toEqual([]);
  });

  it('take the README to the design and the protocol documents', () => {
    const targets = linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(targets).toEqual(
      expect.arrayContaining(['docs/architecture.md', 'docs/protocol.md']) as string[],
    );
  });

  describe('the checker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'domicile-links-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'a.md'), '# Title\n\n## The `htu` rule\n\n## Title\n');
    const check = (markdown: string): string[] => {
      writeFileSync(join(dir, 'README.md'), markdown);
      return linkProblems(dir, documentsOf(dir));
    };

    it('accepts files, headings (GitHub anchors) and standards', () => {
      expect(
        check(
          '[a](docs/a.md) [b](docs/a.md#the-htu-rule) [c](docs/a.md#title-1) [d](#top)\n\n# Top\n' +
            '[RFC 9449](https://www.rfc-editor.org/rfc/rfc9449#section-4.3) <https://www.w3.org/TR/eventsource/>\n' +
            '`[not a link](nowhere.md)`\n\n```\n[nor this](nowhere.md)\n```\n',
        ),
      ).toEqual([]);
    });

    it('reports a missing file, a missing heading, a path out of the repository and a foreign site', () => {
      expect(
        check(
          '[a](docs/missing.md) [b](docs/a.md#no-such-heading) [c](../shared/DESIGN.md)\n' +
            '[d](https://example.com/page)\n\n[e]: docs/gone.md\n',
        ),
      ).toEqual([
        'README.md: docs/missing.md (no such file)',
        'README.md: docs/a.md#no-such-heading (no such heading)',
        'README.md: ../shared/DESIGN.md (points outside the repository)',
        'README.md: https://example.com/page (leaves the repository for something other than a standard)',
        'README.md: docs/gone.md (no such file)',
      ]);
    });
  });
});
