/**
 * Hands the code on through links, forms and embeds: one routine for two features.
 *
 * - `autoInject=stripe`: Stripe Payment Links (links to `buy.stripe.com`) get
 *   `?client_reference_id=CODE`, `<stripe-buy-button>` / `<stripe-pricing-table>` the
 *   `client-reference-id` attribute; Stripe copies it onto the Checkout Session and its webhooks.
 * - `data-cross-domain="app.example.com,checkout.example.net"`: links and forms that go to those
 *   hosts (or their subdomains) get `?ref=CODE`, so the script on the other side picks the code up
 *   as a landing although no cookie crosses a change of registrable domain. A GET form's query is
 *   replaced by its fields on submit, so it also gets a hidden field (`form[param]` is the form's
 *   control of that name, if it has one).
 *
 * A value the site set itself is left alone; values this script set follow the code when it changes.
 */
export function decorate(code: string, hosts: string[], param: string, embeds = ''): void {
  const attribute = param.replace(/_/g, '-');
  // `rocket_ref`: the code this script last wrote into the element.
  (document.querySelectorAll('a[href],form' + embeds) as unknown as NodeListOf<Record<string, string> & HTMLFormElement>).forEach((element) => {
    // A form's `action` is never empty (the page's URL when unset); embeds have neither property.
    const key = element.action ? 'action' : 'href';
    const url = element[key] && new URL(element[key]);
    // One of `hosts` or a subdomain of one.
    if (url && !hosts.some((host) => ('.' + url.hostname).endsWith('.' + host))) return;
    const current = url ? url.searchParams.get(param) : element.getAttribute(attribute);
    if (current && (current == code || current != element.rocket_ref)) return;
    element.rocket_ref = code;
    if (!url) return element.setAttribute(attribute, code);
    url.searchParams.set(param, code);
    element[key] = url.href;
    if (element.method == 'get') {
      ((element[param] as unknown as HTMLInputElement) ||
        element.appendChild(Object.assign(document.createElement('input'), { type: 'hidden', name: param }))).value = code;
    }
  });
}
