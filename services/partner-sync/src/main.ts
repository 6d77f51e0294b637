import { runServiceMain } from '@tlp/platform';
import { partnerSyncService } from './service';

runServiceMain(partnerSyncService);
