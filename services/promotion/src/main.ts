import { runServiceMain } from '@tlp/platform';
import { promotionService } from './service';

runServiceMain(promotionService);
