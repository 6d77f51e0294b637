import { runServiceMain } from '@tlp/platform';
import { gatewayService } from './service';

runServiceMain(gatewayService);
