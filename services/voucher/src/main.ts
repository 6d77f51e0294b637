import { runServiceMain } from '@tlp/platform';
import { voucherService } from './service';

runServiceMain(voucherService);
