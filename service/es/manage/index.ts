/**
 * The managed local Elasticsearch: what the CLI (`strata es ...`) and the vitest global setup call.
 *
 * @example
 *   import { startElasticsearch, stopElasticsearch, esStatus } from '../es/manage/index.ts';
 *   const { url } = await startElasticsearch(loadConfig(), { plugins: ['/abs/path/plugin.zip'] });
 */
export { esLogs, esStatus, localUrl, startElasticsearch, stopElasticsearch } from './lifecycle.ts';
export type { EsConfig, EsStatus, StartOptions, StartResult } from './lifecycle.ts';
export { fetchHealth, fetchVersion, isUsable } from './health.ts';
export { esPaths, type EsPaths } from './paths.ts';
export { consoleProgress, silentProgress } from './progress.ts';
export { clusterLogs, clusterStatus, startCluster, stopCluster, MAX_NODES } from './cluster.ts';
export type { ClusterNodeStatus, ClusterOptions, ClusterStartResult, ClusterStatus } from './cluster.ts';
export { fetchClusterHealth, waitForCluster, type ClusterHealth } from './health.ts';
export { clusterPaths, type ClusterPaths, type ClusterNodePaths } from './paths.ts';
