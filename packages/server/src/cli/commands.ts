import { auditLogCommands } from './audit-log-command.js';
import { billCommands } from './bill-command.js';
import { adminCommands } from './admin-commands.js';
import { cashierCommands, merchantUserCommands } from './cashier-commands.js';
import { clientCommands } from './client-commands.js';
import type { CommandGroup } from './command-line.js';
import { merchantCommands } from './merchant-commands.js';
import { notificationCommands } from './notification-commands.js';
import { payoutCommands } from './payout-commands.js';
import { platformCommands } from './platform-commands.js';
import { secretsCommands } from './secrets-commands.js';
import { signCommands } from './sign-command.js';
import { walletCommands } from './wallet-commands.js';

/** Every `micropay` command, by group, in the order the usage lists them. */
export const COMMANDS: readonly CommandGroup[] = [
  platformCommands,
  secretsCommands,
  merchantCommands,
  walletCommands,
  cashierCommands,
  merchantUserCommands,
  adminCommands,
  clientCommands,
  billCommands,
  payoutCommands,
  notificationCommands,
  auditLogCommands,
  signCommands,
];
