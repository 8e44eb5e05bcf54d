/**
 * Transfer learning's new head: the Dense node `training.transfer.head` names
 * gets as many units as the data has classes, at every run. The graph core
 * holds the rule so that the run (train/prepareRun.ts) and the editor's
 * validation with the data's class count (validateProject) fit the head alike:
 * a transfer project on a 3-class folder is valid, although its head says 10.
 */
import { StudioError } from '../errors.js';
import type { Graph, TransferSettings } from '../project/schema.js';

/** The graph with the head's units set to the class count; the same graph when there is no head or it already fits. Throws when the head is not a Dense node. */
export function fitHeadToClasses(graph: Graph, transfer: TransferSettings | undefined, classCount: number): Graph {
  const headId = transfer?.head;
  if (!headId) return graph;
  const head = graph.nodes.find((n) => n.id === headId);
  if (!head || head.type !== 'Dense') {
    throw new StudioError(
      `training.transfer.head names "${headId}", which is not a Dense node of the graph.`,
      'Set training.transfer.head to the id of the classifying Dense node (or null to keep its units as they are).',
      'invalid-training-setting',
    );
  }
  if (head.params['units'] === classCount) return graph;
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === headId ? { ...n, params: { ...n.params, units: classCount } } : n)) };
}
