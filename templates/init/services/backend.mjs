// The example system's backend: an HTTP service holding the catalog and the orders, in memory. Node's
// built-ins only. It listens on PORT (faultline picks a free one and passes it in).
import { createServer } from 'node:http';

const catalog = [
  { sku: 'tea', price: 4 },
  { sku: 'coffee', price: 5 },
];
// Orders are stored by their id, so a request the api retries after a lost reply is stored once.
const orders = new Map();

function answer(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    if (request.method === 'GET' && request.url === '/health') return answer(response, 200, { ok: true });
    if (request.method === 'GET' && request.url === '/catalog') return answer(response, 200, catalog);
    if (request.method === 'POST' && request.url === '/orders') {
      let order;
      try {
        order = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        return answer(response, 400, { error: 'the body is not JSON' });
      }
      if (typeof order?.id !== 'string') return answer(response, 400, { error: 'an order needs an id' });
      const created = !orders.has(order.id);
      if (created) orders.set(order.id, order);
      return answer(response, created ? 201 : 200, { id: order.id, stored: orders.size });
    }
    answer(response, 404, { error: `no route ${request.method} ${request.url}` });
  });
});

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`backend listening on ${process.env.PORT}`);
});
