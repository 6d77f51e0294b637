import { runServiceMain } from '@tlp/platform';
import { loyaltyService } from './service';

runServiceMain(loyaltyService);
