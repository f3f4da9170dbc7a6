/** How the inbox and the figures name a template. */

const TEMPLATE_NAMES: Record<string, string> = {
  business_hours: 'opening-hours text',
  after_hours: 'after-hours text',
};

/** The template a text-back used, as recorded (`business_hours`, or `after_hours:b` for an A/B
 * variant), in words: "after-hours text, variant b". */
export function templateWords(recorded: string): string {
  const [template, variant] = recorded.split(':', 2);
  const name = TEMPLATE_NAMES[template] ?? template;
  return variant ? `${name}, variant ${variant}` : name;
}
