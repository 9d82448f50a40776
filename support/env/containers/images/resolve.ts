import { LABEL, runtime } from '../runtime.ts';
import { ensureImage, type ImageSpec, imageExists, imageLabels } from './build.ts';
import { offlineBase, offlinePostgres, offlineRedis } from './catalog.ts';

// Which image each role runs. For every role the same order, so a site with a registry runs the public
// images unchanged and an air-gapped one runs what it built:
//   1. the image named by the role's environment variable (pulled by the engine if it is not present);
//   2. the public default, when it is present locally;
//   3. the offline image scripts/images/build.ts made from this machine's binaries, when present
//      (rebuilt here if this machine's binaries changed since);
//   4. the public default, pulled;
//   5. when the pull fails (no registry reachable): the offline image, built now from this machine.
// The base image (process services, faultline's own fault proxy) holds next to nothing: what runs in it is
// this machine's, mounted (../mounts.ts). "Our" proxy is that base running this checkout's
// bin/faultline.ts proxy.

export type Role = 'redis' | 'postgres' | 'toxiproxy';

export interface RoleImage {
  image: string;
  origin: 'env' | 'public' | 'offline' | 'pulled' | 'built';
  /**
   * Built by faultline (knows faultline's conventions: baked postgres cluster; for the proxy, the base image
   * that runs this checkout's proxy command).
   */
  ours: boolean;
}

export interface Images {
  redis: RoleImage;
  postgres: RoleImage;
  toxiproxy: RoleImage;
  /** Runs process services: this machine's programs and files mounted into a next-to-empty image. */
  base: RoleImage;
}

export const IMAGE_ENV: Record<Role | 'base', { variable: string; public?: string }> = {
  redis: { variable: 'FAULTLINE_REDIS_IMAGE', public: 'redis:7' },
  postgres: { variable: 'FAULTLINE_POSTGRES_IMAGE', public: 'postgres:15' },
  // No public image is preferred for the proxy: Shopify's cannot count a link's traffic, so every network
  // fault would be an unprovable (invalid) experiment. Ours runs unless FAULTLINE_TOXIPROXY_IMAGE names one.
  toxiproxy: { variable: 'FAULTLINE_TOXIPROXY_IMAGE' },
  base: { variable: 'FAULTLINE_BASE_IMAGE' },
};

async function pull(image: string): Promise<string | undefined> {
  const client = await runtime();
  const docker = client.container.dockerode;
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
    );
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function isOurs(image: string): Promise<boolean> {
  return (await imageLabels(image))?.[LABEL.image] !== undefined;
}

/** An image named by a variable: used as it is, pulled when absent. */
async function named(variable: string, image: string): Promise<RoleImage> {
  if (!(await imageExists(image))) {
    const failure = await pull(image);
    if (failure)
      throw new Error(`${variable}=${image}: the image is not present and could not be pulled: ${failure}`);
  }
  return { image, origin: 'env', ours: await isOurs(image) };
}

/**
 * Steps 1-5 above. `offline` says whether an offline image was built here before and makes sure the current
 * one exists (rebuilding when its inputs changed); it may throw when this machine cannot build it.
 */
async function resolveRole(
  role: Role,
  offline: { present(): Promise<boolean>; ensure(): Promise<string> },
): Promise<RoleImage> {
  const { variable, public: publicName } = IMAGE_ENV[role];
  const configured = process.env[variable];
  if (configured) return named(variable, configured);
  if (publicName && (await imageExists(publicName)))
    return { image: publicName, origin: 'public', ours: false };
  if (await offline.present()) return { image: await offline.ensure(), origin: 'offline', ours: true };
  const failure = publicName ? await pull(publicName) : 'no public image';
  if (!failure) return { image: publicName!, origin: 'pulled', ours: false };
  try {
    return { image: await offline.ensure(), origin: 'built', ours: true };
  } catch (error) {
    throw new Error(
      `no ${role} image: ${publicName} could not be pulled (${failure}) and none can be built on this machine ` +
        `(${(error as Error).message}); set ${variable} to an image your engine has or can pull`,
    );
  }
}

/** Offline image of a spec: present under its name (any content hash), ensured current. */
function fromSpec(spec: () => ImageSpec) {
  let made: ImageSpec | undefined;
  const get = () => {
    made ??= spec();
    return made;
  };
  return {
    async present() {
      try {
        return await imageExists(get().name);
      } catch {
        return false;
      }
    },
    async ensure() {
      return (await ensureImage(get())).name;
    },
  };
}

function resolveAll(): Record<keyof Images, Promise<RoleImage>> {
  const configuredBase = process.env[IMAGE_ENV.base.variable];
  const base = fromSpec(offlineBase);
  return {
    redis: resolveRole('redis', fromSpec(offlineRedis)),
    postgres: resolveRole('postgres', fromSpec(offlinePostgres)),
    toxiproxy: resolveRole('toxiproxy', base),
    // Built from nothing but this machine's directory layout (< 1 s): no public image to prefer.
    base: configuredBase
      ? named(IMAGE_ENV.base.variable, configuredBase)
      : base.ensure().then((image): RoleImage => ({ image, origin: 'offline', ours: true })),
  };
}

let resolving: Record<keyof Images, Promise<RoleImage>> | undefined;

/**
 * The image of one role, resolved (and built where needed) once per process. Roles resolve independently:
 * the stores can start while another role's image is still being made.
 */
export function image(role: keyof Images): Promise<RoleImage> {
  resolving ??= resolveAll();
  const pending = resolving[role];
  // A failure is not remembered: the next environment tries again (e.g. after the engine came back).
  pending.catch(() => {
    if (resolving?.[role] === pending) resolving = undefined;
  });
  return pending;
}

/** Every role's image. */
export async function images(): Promise<Images> {
  const [redis, postgres, toxiproxy, base] = await Promise.all([
    image('redis'),
    image('postgres'),
    image('toxiproxy'),
    image('base'),
  ]);
  return { redis, postgres, toxiproxy, base };
}
