import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLogged, waitForHttp } from '../child-process.js';
import { freePort } from '../free-port.js';
import type { MockUpstream } from '../mock-upstream.js';
import { CHAT_BODY, type BenchPath } from './path.js';

const NGINX = '/usr/sbin/nginx';

/**
 * nginx `proxy_pass` with keep-alive connections to the upstream: the floor of what a proxy
 * costs. One worker process, so its CPU compares with one gateway process.
 */
export function nginxPath(mock: MockUpstream, workDir: string): BenchPath {
  const dir = join(workDir, 'nginx');
  return {
    name: 'nginx proxy_pass (keepalive)',
    measuresC1: true,
    database: null,
    async start() {
      mkdirSync(dir, { recursive: true });
      const port = await freePort();
      const config = join(dir, 'nginx.conf');
      writeFileSync(config, nginxConfig(dir, port, new URL(mock.url).host));
      const child = spawnLogged('nginx', NGINX, ['-c', config, '-p', dir], { env: {}, cwd: dir, logDir: workDir });
      const origin = `http://127.0.0.1:${port}`;
      await waitForHttp(child, `${origin}/`);
      return {
        request: { origins: [origin], path: '/v1/chat/completions', headerSets: [{ 'content-type': 'application/json', authorization: 'Bearer sk-bench' }], body: CHAT_BODY },
        processes: [child],
        stop: () => child.stop(),
      };
    },
    dispose: async () => {},
  };
}

function nginxConfig(dir: string, port: number, upstreamHost: string): string {
  return `
daemon off;
master_process on;
worker_processes 1;
user root;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000;
  upstream mock {
    server ${upstreamHost};
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}
