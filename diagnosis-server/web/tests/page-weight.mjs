// Prints the check-in page's weight: each file under web/v/ (what the server embeds and serves at
// /v/), uncompressed and gzip-compressed, and the totals a phone downloads at its first scan
// (every file) and of the JavaScript and CSS (issue 16's cap: 60 KB uncompressed, held by
// checkin_page.rs's unit test). Run: node diagnosis-server/web/tests/page-weight.mjs
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";

const directory = new URL("../v/", import.meta.url);
let total = 0;
let totalGzip = 0;
let code = 0;
for (const name of readdirSync(directory).sort()) {
  const bytes = readFileSync(new URL(name, directory));
  const gzip = gzipSync(bytes, { level: 9 }).length;
  total += bytes.length;
  totalGzip += gzip;
  if (/\.(js|css)$/.test(name)) code += bytes.length;
  console.log(`${name.padEnd(22)} ${String(bytes.length).padStart(7)} bytes  ${String(gzip).padStart(6)} gzip`);
}
console.log(`${"page (every file)".padEnd(22)} ${String(total).padStart(7)} bytes  ${String(totalGzip).padStart(6)} gzip`);
console.log(`JavaScript and CSS: ${code} bytes of the 61440 allowed`);
