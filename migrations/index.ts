import { Migration } from 'kysely';
import * as initial from './0001_initial';
import * as outbox from './0002_outbox';
import * as servicesAndOccupancies from './0003_services_and_occupancies';
import * as delivery from './0004_delivery';
import * as mailLinks from './0005_mail_links';
import * as webhookSecretRotation from './0006_webhook_secret_rotation';

/** Every migration, in order. Names are recorded in the database; never rename one. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_outbox': outbox,
  '0003_services_and_occupancies': servicesAndOccupancies,
  '0004_delivery': delivery,
  '0005_mail_links': mailLinks,
  '0006_webhook_secret_rotation': webhookSecretRotation,
};
