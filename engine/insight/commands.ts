/** The protocol's insight commands behind one function, so the engine's dispatcher stays a list of cases. */
import { selectBackend } from '../backend/select.js';
import type { BackendPreference, Command, CommandResults } from '../protocol.js';
import { explainFeatureMaps, explainFilters, explainImages } from './explain.js';

export type InsightCommand = Extract<Command, { type: 'model.explain' | 'model.featureMaps' | 'model.filters' }>;

export async function runInsightCommand<T extends InsightCommand>(command: T, backend: BackendPreference): Promise<CommandResults[T['type']]> {
  await selectBackend(backend);
  switch (command.type) {
    case 'model.explain':
      return (await explainImages(command)) as CommandResults[T['type']];
    case 'model.featureMaps':
      return (await explainFeatureMaps(command)) as CommandResults[T['type']];
    case 'model.filters':
      return (await explainFilters(command.model)) as CommandResults[T['type']];
  }
  throw new Error('unreachable');
}
