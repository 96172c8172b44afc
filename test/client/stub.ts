/**
 * The documented pre-load stub (client/README.md, "Calling before the script loads"), verbatim:
 * unit and browser tests run this exact text.
 */
export const PRELOAD_STUB = `window.RocketTracker=window.RocketTracker||{q:[]};
["trackSignup","trackPurchase","consent"].forEach(function(m,t){t=window.RocketTracker;t[m]=t[m]||function(){var a=arguments;return new Promise(function(r){t.q.push([m,a,r])})}});`;
