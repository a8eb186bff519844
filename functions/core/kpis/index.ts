/** Every KPI group of the report, in the order they run. */
import type { KpiGroup } from './group.js';
import { revenueGroup } from './revenue.js';
import { engagementGroup, healthGroup, onboardingGroup } from './engagement.js';
import { voiceGroup } from './voice.js';
import { supportGroup } from './support.js';
import { billingGroup } from './billing.js';
import { webGroup } from './web.js';

export const ALL_GROUPS: readonly KpiGroup[] = [
  revenueGroup,
  onboardingGroup,
  engagementGroup,
  healthGroup,
  voiceGroup,
  supportGroup,
  billingGroup,
  webGroup,
];
