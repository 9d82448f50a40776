import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { type ChaosKind, type ChaosObject, GROUP, PLURALS, VERSION } from '../../chaos-mesh/objects.ts';

// The few Kubernetes API calls the kubernetes backend makes, through @kubernetes/client-node: list the pods
// a selector matches (the blast-radius checks), and create, read, list and delete Chaos Mesh objects
// (custom objects of chaos-mesh.org/v1alpha1). Nothing else is ever written to a cluster. The RBAC this
// needs is exactly these verbs (README: pods get/list; the seven chaos kinds create/get/list/delete).

/** A pod as the blast-radius checks need it. */
export interface PodSummary {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  phase?: string;
}

/** What the API holds for a chaos object: its metadata and the status Chaos Mesh writes. */
export interface ChaosState {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  status?: ChaosStatus;
}

/** `status` of a chaos object as Chaos Mesh reports it (the CRDs' status schema). */
export interface ChaosStatus {
  conditions?: { type: string; status: string; reason?: string }[];
  experiment?: {
    desiredPhase?: 'Run' | 'Stop';
    containerRecords?: {
      id: string;
      phase: string;
      selectorKey: string;
      injectedCount: number;
      recoveredCount: number;
      events?: { type: string; operation: string; message?: string; timestamp: string }[];
    }[];
  };
}

export interface ChaosApi {
  pods(namespace: string, labelSelector: Record<string, string>): Promise<PodSummary[]>;
  create(object: ChaosObject): Promise<void>;
  /** The object, or undefined when it does not exist (deleted). */
  get(kind: ChaosKind, namespace: string, name: string): Promise<ChaosState | undefined>;
  list(kind: ChaosKind, namespace: string, labelSelector: string): Promise<ChaosState[]>;
  /** Deletes it; true when it existed. */
  remove(kind: ChaosKind, namespace: string, name: string): Promise<boolean>;
  /** Where the API server is, for messages. */
  readonly server: string;
}

/** `app=redis,chaos-ready=true`: a label selector in the API's query syntax. */
export const selectorText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** The kubeconfig a run uses: the default one (KUBECONFIG, ~/.kube/config, in-cluster), at `context` if given. */
export function defaultKubeConfig(context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context))
      throw new Error(
        `kubernetes.context: no context '${context}' in the kubeconfig; its contexts: ${kc
          .getContexts()
          .map((c) => c.name)
          .join(', ')}`,
      );
    kc.setCurrentContext(context);
  }
  // client-node's own words for this are "No active cluster!", at the first call.
  if (!kc.getCurrentCluster())
    throw new Error(
      `kubernetes backend: the kubeconfig (${process.env.KUBECONFIG ?? '~/.kube/config'}) has no cluster for its current context '${kc.getCurrentContext()}'; set KUBECONFIG or kubernetes.context`,
    );
  return kc;
}

const notFound = (error: unknown): boolean => error instanceof ApiException && error.code === 404;

/** Names the call and the server in an API error (the API's own message says what it refused). */
function failed(what: string, server: string, error: unknown): Error {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
    const reason = (() => {
      try {
        return (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        return body;
      }
    })();
    const hint =
      error.code === 403
        ? ' (the account lacks a permission: see the RBAC the kubernetes backend needs)'
        : error.code === 404 && what.startsWith('create')
          ? ' (is Chaos Mesh installed? its CRDs serve chaos-mesh.org/v1alpha1)'
          : '';
    return new Error(`${what} at ${server}: HTTP ${error.code}: ${reason}${hint}`);
  }
  return new Error(`${what} at ${server}: ${(error as Error).message}`);
}

export function chaosApi(kc: KubeConfig): ChaosApi {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const server = kc.getCurrentCluster()?.server ?? '(no cluster in the kubeconfig)';
  const at = (kind: ChaosKind, namespace: string) => ({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURALS[kind],
  });
  return {
    server,
    async pods(namespace, labels) {
      try {
        const list = await core.listNamespacedPod({ namespace, labelSelector: selectorText(labels) });
        return list.items.map((pod) => ({
          name: pod.metadata?.name ?? '?',
          namespace: pod.metadata?.namespace ?? namespace,
          labels: pod.metadata?.labels ?? {},
          phase: pod.status?.phase,
        }));
      } catch (error) {
        throw failed(`listing pods ${selectorText(labels)} in ${namespace}`, server, error);
      }
    },
    async create(object) {
      try {
        await custom.createNamespacedCustomObject({
          ...at(object.kind, object.metadata.namespace),
          body: object,
        });
      } catch (error) {
        throw failed(
          `create ${object.kind} ${object.metadata.namespace}/${object.metadata.name}`,
          server,
          error,
        );
      }
    },
    async get(kind, namespace, name) {
      try {
        return (await custom.getNamespacedCustomObject({ ...at(kind, namespace), name })) as ChaosState;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw failed(`reading ${kind} ${namespace}/${name}`, server, error);
      }
    },
    async list(kind, namespace, labelSelector) {
      try {
        const list = (await custom.listNamespacedCustomObject({ ...at(kind, namespace), labelSelector })) as {
          items?: ChaosState[];
        };
        return list.items ?? [];
      } catch (error) {
        throw failed(`listing ${kind} in ${namespace}`, server, error);
      }
    },
    async remove(kind, namespace, name) {
      try {
        await custom.deleteNamespacedCustomObject({ ...at(kind, namespace), name });
        return true;
      } catch (error) {
        if (notFound(error)) return false;
        throw failed(`deleting ${kind} ${namespace}/${name}`, server, error);
      }
    },
  };
}
