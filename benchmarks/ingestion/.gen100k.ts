import { syntheticSlide } from './synthetic-slide.ts';
await syntheticSlide({ sizePx: 100_000, mppLevel0: 0.252, tissueShare: 0.03, textured: false });
