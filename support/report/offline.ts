// The Awesome report's page template always loads Google's analytics tag (Allure 3.18 has no switch for
// it in this plugin). A report of a resilience run is opened offline, on CI artifacts and air-gapped
// machines, and should not call out when it is opened online either: the tag and its inline set-up are
// removed from the built page. Nothing else of the report refers to the network.

const ANALYTICS =
  /<script async src="https:\/\/www\.googletagmanager\.com\/gtag\/js\?id=[^"]*"><\/script>\s*<script>\s*window\.dataLayer[\s\S]*?<\/script>/g;

export function stripAnalytics(html: string): string {
  return html.replace(ANALYTICS, '');
}
