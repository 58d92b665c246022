// Takes docs/editors-neovim.png: Neovim, in a real pseudo-terminal
// (util-linux `script`), talking to `lifespec lsp` on test/fixtures/lsp's
// spec, showing the server's diagnostic and a hover. The terminal's output
// is rendered by xterm.js in Chromium, so the picture is what a terminal
// shows. `npm run docs:editors-screenshot` builds the CLI first.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './chromium.js';

// npm runs scripts from the package root (the script itself runs from a bundle elsewhere).
const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'lifespec-nvim-shot-'));
for (const f of ['main.lspec', 'used.lspec']) copyFileSync(join(root, 'test/fixtures/lsp', f), join(dir, f));
const [cols, rows] = [110, 30];

// After the server's diagnostics have come, hover on the action call; quit a little later.
writeFileSync(
  join(dir, 'init.lua'),
  `vim.o.termguicolors = true
vim.o.number = true
vim.o.signcolumn = 'yes'
vim.o.background = 'light'
vim.api.nvim_create_autocmd('VimEnter', { callback = function()
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'lspec'
  local id = vim.lsp.start_client({ name = 'lifespec', cmd = { ${JSON.stringify(process.execPath)}, ${JSON.stringify(join(root, 'dist/cli.js'))}, 'lsp' }, root_dir = ${JSON.stringify(dir)} })
  vim.lsp.buf_attach_client(buf, id)
  vim.defer_fn(function()
    for l, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
      local s = line:find('ib_core.reg', 1, true)
      if s then vim.api.nvim_win_set_cursor(0, { l, s + 8 }) break end
    end
    vim.lsp.buf.hover()
  end, 3000)
  vim.defer_fn(function() vim.cmd('qa!') end, 6000)
end })
`,
);
const capture = join(dir, 'typescript');
execFileSync('script', ['-q', '-c', `stty cols ${cols} rows ${rows}; TERM=xterm-256color nvim -u init.lua -i NONE -n main.lspec`, capture], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], timeout: 30_000 });
const raw = readFileSync(capture);
// The screen as it was just before Neovim left the alternate screen; without `script`'s header line.
const screen = raw.subarray(raw.indexOf(10) + 1, raw.lastIndexOf(Buffer.from('\x1b[?1049l')));

const xterm = join(root, 'node_modules/@xterm/xterm');
const page = `<!doctype html><html><head><style>${readFileSync(join(xterm, 'css/xterm.css'), 'utf8')}body{margin:0;background:#fff}</style></head>
<body><div id="t"></div><script>${readFileSync(join(xterm, 'lib/xterm.js'), 'utf8')}</script><script>
const term = new Terminal({ cols: ${cols}, rows: ${rows}, fontSize: 14, lineHeight: 1.15, fontFamily: 'DejaVu Sans Mono, monospace', theme: { background: '#ffffff', foreground: '#000000', cursor: '#000000' } });
term.open(document.getElementById('t'));
term.write(Uint8Array.from(atob('${screen.toString('base64')}'), (c) => c.charCodeAt(0)), () => { document.title = 'drawn'; });
</script></body></html>`;
const browser = await launchChromium();
try {
  const tab = await browser.newPage({ viewport: { width: 1000, height: 620 } });
  await tab.setContent(page);
  await tab.waitForFunction('document.title === "drawn"');
  await (await tab.$('.xterm-screen'))!.screenshot({ path: join(root, 'docs/editors-neovim.png') });
  console.log('wrote docs/editors-neovim.png');
} finally {
  await browser.close();
}
