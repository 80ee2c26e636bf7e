// How often a bench looks at the state it waits for. Its baselines are timed by `kubectl wait` (a
// watch) or a 100 ms poll, so the operator's side is looked at as often: a once-a-second look added
// half a second on average to every measured time.
export const LOOK_MS = 100;
