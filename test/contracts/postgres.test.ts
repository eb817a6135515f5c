import { describeDatabaseConstraints } from './database-constraints.contract';
import { kyselyHarness } from './harness';
import { describePortContracts } from './suites';

describePortContracts('postgres', () => kyselyHarness('postgres'));
describeDatabaseConstraints('postgres', () => kyselyHarness('postgres'));
