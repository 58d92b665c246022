// `npm run playground`: serves the built playground (npm builds it first) on
// 127.0.0.1 and prints the URL. The port is PORT or --port N; by default 4173,
// or any free port when 4173 is taken.
import { servePlayground } from './serve-playground.js';

const i = process.argv.indexOf('--port');
const wanted = Number(i >= 0 ? process.argv[i + 1] : (process.env.PORT ?? 4173));
const { url } = await servePlayground({ port: Number.isInteger(wanted) && wanted >= 0 ? wanted : 4173 });
console.log(`Lifespec playground: ${url}`);
console.log('Open it in a browser. Ctrl+C stops the server.');
