/**
 * Query parameters that say who shared or clicked a link, never which resource it is. They are
 * removed before hashing, so the same page shared from a newsletter, an ad and a chat hashes the
 * same. Names compare case-insensitively after percent-decoding; an entry ending in `*` is a prefix.
 *
 * Only names that no site uses for content belong here: generic words (`ref`, `source`, `s`, `si`)
 * are left alone, because on some sites they select what is served.
 */
export const TRACKING_PARAMETERS: readonly string[] = [
  'utm_*', // Google Analytics campaign tags (utm_source, utm_medium, utm_campaign, utm_term, utm_content, utm_id, ...)
  'fbclid', // Facebook / Meta click id
  'gclid', // Google Ads click id
  'gclsrc', // Google Ads click source, paired with gclid
  'dclid', // Google Display (DoubleClick) click id
  'gbraid', // Google Ads click ids for iOS app-to-web
  'wbraid',
  'msclkid', // Microsoft Advertising click id
  'yclid', // Yandex click id
  'twclid', // X / Twitter click id
  'ttclid', // TikTok click id
  'li_fat_id', // LinkedIn first-party ad tracking id
  'igshid', // Instagram share id
  'igsh', // Instagram share id (newer form)
  'mc_cid', // Mailchimp campaign id
  'mc_eid', // Mailchimp subscriber id
  '_hsenc', // HubSpot e-mail tracking
  '_hsmi',
  'mkt_tok', // Marketo e-mail tracking token
  '_ga', // Google Analytics cross-domain client id
  '_gl', // Google Analytics cross-domain linker
];

const EXACT = new Set(TRACKING_PARAMETERS.filter((p) => !p.endsWith('*')));
const PREFIXES = TRACKING_PARAMETERS.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));

/** Whether a parameter name (already percent-decoded) is in TRACKING_PARAMETERS. */
export function isTrackingParameter(name: string): boolean {
  const n = name.toLowerCase();
  return EXACT.has(n) || PREFIXES.some((p) => n.startsWith(p));
}
