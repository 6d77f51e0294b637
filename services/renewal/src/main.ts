import { runServiceMain } from '@tlp/platform';
import { renewalService } from './service';

runServiceMain(renewalService);
