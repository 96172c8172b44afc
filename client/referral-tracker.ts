// Placeholder entry until the browser-script issue lands: defines the documented global only.
(window as unknown as { RocketTracker: unknown }).RocketTracker = {
  getReferralCode: () => null,
};
