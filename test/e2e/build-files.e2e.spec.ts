import { describe, expect, it } from '@jest/globals';
import { DockerfileParser, type Copy, type From, type Instruction } from 'dockerfile-ast';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from '@caracal/test-support/gateway-process.js';
import { entryOf, findOrFail, podSpec, renderOverlay } from '@caracal/test-support/k8s-manifests.js';

/**
 * The Dockerfile and nest-cli.json against the build as .ci/run does it (`npm ci`, then
 * `npm run build` = `tsc -p tsconfig.build.json` and the oclif manifest). No container engine
 * runs here, so the Dockerfile is linted, not built (docs/deploy.md).
 */

const packageJson = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string>; workspaces: string[] };
const dockerfile = DockerfileParser.parse(readFileSync(`${REPO_ROOT}Dockerfile`, 'utf8'));
const dockerignore = readFileSync(`${REPO_ROOT}.dockerignore`, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));

/** The instructions of each stage, by the stage's name. */
function stages(): Map<string, Instruction[]> {
  const byStage = new Map<string, Instruction[]>();
  let current: Instruction[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      current = [];
      byStage.set((instruction as From).getBuildStage() ?? `#${byStage.size}`, current);
    }
    current.push(instruction);
  }
  return byStage;
}

const args = (instruction: Instruction): string[] => instruction.getArguments().map((argument) => argument.getValue());
const runs = (instructions: Instruction[]): string => instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => args(i).join(' ')).join(' && ');
const from = (instructions: Instruction[]): From => instructions[0] as From;

/** Whether .dockerignore (`**` then `!path/**` re-inclusions) sends `path` to the build. */
function sentToBuild(path: string): boolean {
  expect(dockerignore[0]).toBe('**');
  return dockerignore.includes(`!${path}`) || dockerignore.includes(`!${path}/**`);
}

describe('Dockerfile', () => {
  const build = stages().get('build') as Instruction[];
  const runtime = stages().get('runtime') as Instruction[];

  it('builds in a build stage what .ci/run builds: npm ci, then npm run build, then production dependencies only', () => {
    expect(build).toBeDefined();
    const commands = runs(build);
    expect(commands).toMatch(/npm ci\b.*npm run build\b.*npm prune --omit=dev/);
    expect(packageJson.scripts.build).toBe('tsc -p tsconfig.build.json && node build/link-dist-packages.mjs && node dist/apps/cli/src/write-oclif-manifest.js');
    // npm ci links the workspace packages (package.json "workspaces"): their folders come before it.
    const npmCi = build.findIndex((i) => i.getKeyword() === 'RUN' && /npm ci\b/.test(args(i).join(' ')));
    const copiedBeforeCi = build.slice(0, npmCi).filter((i) => i.getKeyword() === 'COPY').flatMap((i) => args(i).slice(0, -1));
    for (const workspace of packageJson.workspaces) expect(copiedBeforeCi).toContain(workspace.split('/')[0]);
    // Everything tsc compiles (tsconfig.build.json's include, and test/support that the
    // integration tests import) is copied in and not held back by .dockerignore.
    const tsconfig = JSON.parse(readFileSync(`${REPO_ROOT}tsconfig.build.json`, 'utf8')) as { include: string[] };
    const copied = build.filter((i) => i.getKeyword() === 'COPY').flatMap((i) => args(i).slice(0, -1));
    const needed = [...new Set([...tsconfig.include.map((glob) => glob.split('/')[0]), 'test', 'bin', 'build', 'schemas', 'pricebook', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])];
    for (const path of needed) {
      expect(`${path} copied: ${copied.includes(path)}, sent: ${sentToBuild(path)}`).toBe(`${path} copied: true, sent: true`);
    }
    for (const path of copied) expect(existsSync(`${REPO_ROOT}${path}`)).toBe(true);
    expect(dockerignore).not.toContain('!.caracal/**');
  });

  it('runs a slim runtime stage of the same Node and Debian, as a non-root user, with the apps the manifests start', () => {
    expect(from(build).getImageName()).toBe('node');
    expect(from(runtime).getImageName()).toBe('node');
    // Native addons (re2) built in the build stage load in the runtime stage: same Node major and
    // Debian release; the engines field of package.json allows that major.
    const [nodeMajor, debian] = (from(build).getImageTag() as string).split('-');
    expect(from(runtime).getImageTag()).toBe(`${nodeMajor}-${debian}-slim`);
    expect(process.versions.node.split('.')[0]).toBe(nodeMajor);

    const copiesFromBuild = runtime.filter((i) => i.getKeyword() === 'COPY').filter((i) => (i as Copy).getFromFlag()?.getValue() === 'build').flatMap((i) => args(i).slice(0, -1));
    for (const path of ['/app/node_modules', '/app/dist', '/app/bin', '/app/schemas', '/app/pricebook', '/app/package.json', '/app/oclif.manifest.json']) expect(copiesFromBuild).toContain(path);
    expect(runs(runtime)).toContain(`ln -s /app/${packageJson.bin.caracal.replace(/^\.\//, '')} /usr/local/bin/caracal`);

    const user = runtime.filter((i) => i.getKeyword() === 'USER').map((i) => args(i)[0]);
    expect(user).toHaveLength(1);
    const [uid, gid] = user[0].split(':').map(Number);
    expect(uid).toBeGreaterThan(0);

    const cmd = JSON.parse(args(runtime.find((i) => i.getKeyword() === 'CMD') as Instruction).join(' ')) as string[];
    // `npm start` (the embedded profile) runs the same entry with the same flags, heap sizes and
    // one V8 platform thread (one optimizing compile at a time: docs/benchmarks.md, "Peak RSS"),
    // except --liftoff-only (PGlite's WebAssembly needs the optimizing compiler).
    expect(cmd).toContain('--v8-pool-size=1');
    const start = /node ((?:-\S+ )*)(\S+)/.exec(packageJson.scripts.start);
    expect(start?.[2]).toBe(cmd.at(-1));
    expect(start?.[1].split(' ').filter(Boolean)).toEqual(cmd.slice(1, -1).filter((arg) => arg !== '--liftoff-only'));

    // The manifests run this image as the Dockerfile's user, with entry points the image holds,
    // and its pg_dump is of the PostgreSQL StatefulSet's major version (backup create).
    const objects = renderOverlay('production');
    const gateway = podSpec(findOrFail(objects, 'Deployment', 'caracal-gateway'));
    expect([gateway.securityContext.runAsUser, gateway.securityContext.runAsGroup]).toEqual([uid, gid]);
    // The gateway runs as the image's default command does, with the same V8 flags.
    expect(gateway.containers[0].command).toEqual(cmd);
    for (const name of ['caracal-gateway', 'caracal-ledger-writer']) {
      expect(existsSync(`${REPO_ROOT}${entryOf(podSpec(findOrFail(objects, 'Deployment', name)).containers[0].command)}`)).toBe(true);
    }
    const postgresMajor = /^postgres:(\d+)-/.exec(podSpec(findOrFail(objects, 'StatefulSet', 'postgresql')).containers[0].image)?.[1];
    expect(runs(runtime)).toContain(`postgresql-client-${postgresMajor}`);
    const env = runtime.filter((i) => i.getKeyword() === 'ENV').flatMap(args);
    expect(env).toContain(`CARACAL_PG_BIN_DIR=/usr/lib/postgresql/${postgresMajor}/bin`);
  });
});

describe('nest-cli.json', () => {
  const nestCli = JSON.parse(readFileSync(`${REPO_ROOT}nest-cli.json`, 'utf8')) as {
    monorepo: boolean;
    compilerOptions: { tsConfigPath: string; builder: string };
    projects: Record<string, { type: string; root: string; sourceRoot: string; entryFile?: string; compilerOptions: { tsConfigPath: string } }>;
  };
  const directories = (parent: string): string[] => readdirSync(`${REPO_ROOT}${parent}`, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

  it('names every app and lib of the repository as a Nest project, and nothing else', () => {
    expect(nestCli.monorepo).toBe(true);
    const expected = [...directories('apps').map((name) => [name, 'application', `apps/${name}`]), ...directories('libs').map((name) => [name, 'library', `libs/${name}`])];
    expect(Object.entries(nestCli.projects).map(([name, project]) => [name, project.type, project.root]).sort()).toEqual(expected.sort());
    for (const project of Object.values(nestCli.projects)) expect(project.sourceRoot).toBe(`${project.root}/src`);
  });

  it('builds as the project does (tsc -p tsconfig.build.json) and starts the files the scripts start', () => {
    expect(nestCli.compilerOptions).toMatchObject({ builder: 'tsc', tsConfigPath: 'tsconfig.build.json' });
    expect(packageJson.scripts.build).toContain(`tsc -p ${nestCli.compilerOptions.tsConfigPath}`);
    for (const [name, project] of Object.entries(nestCli.projects)) {
      expect(project.compilerOptions.tsConfigPath).toBe('tsconfig.build.json');
      if (project.entryFile === undefined) {
        expect(name).toBe('cli'); // oclif: bin/caracal.js runs the compiled commands
        continue;
      }
      expect(existsSync(`${REPO_ROOT}${project.sourceRoot}/${project.entryFile}.ts`)).toBe(true);
      const built = `dist/${project.sourceRoot}/${project.entryFile}.js`;
      expect(existsSync(`${REPO_ROOT}${built}`)).toBe(true);
      // `node [node's flags] <built>` (the gateway's start carries V8 flags).
      const runsIt = new RegExp(`\\bnode(?: -\\S+)* ${built.replaceAll('.', '\\.')}(?:\\s|$)`);
      if (project.type === 'application') expect(Object.values(packageJson.scripts).some((script) => runsIt.test(script))).toBe(true);
    }
  });
});
