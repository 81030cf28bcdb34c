/**
 * The label vocabulary: the kinds of terrorist and violent-extremist content that hash-sharing
 * consortia label. One list, kept here, served by `GET /v1/labels`; shares with any other label are
 * refused naming it. The categories follow the public taxonomies of GIFCT's Hash-Sharing Database
 * and the EU Terrorist Content Online Regulation (Art. 2(7)).
 */
export interface Label {
  id: string;
  name: string;
  description: string;
}

export const LABELS: readonly Label[] = [
  {
    id: 'graphic-violence-defenceless',
    name: 'Graphic violence against defenceless people',
    description: 'Execution, torture, mutilation or killing of people who cannot defend themselves, filmed or photographed by or for the perpetrators.',
  },
  {
    id: 'glorification',
    name: 'Glorification of terrorist acts',
    description: 'Content that praises, celebrates or justifies a terrorist attack or its perpetrators (martyr posters, celebratory edits).',
  },
  {
    id: 'recruitment',
    name: 'Recruitment',
    description: 'Content that solicits people to join, fund or support a terrorist or violent-extremist organisation.',
  },
  {
    id: 'instruction',
    name: 'Instruction',
    description: 'Instructions for making weapons or explosives, or for planning and carrying out an attack.',
  },
  {
    id: 'imminent-credible-threat',
    name: 'Imminent credible threat',
    description: 'A specific, credible threat of violence against identifiable people, places or events.',
  },
  {
    id: 'attack-footage',
    name: 'Attack footage',
    description: 'Footage of a terrorist attack recorded or live-streamed by the perpetrator, or of its immediate aftermath for propaganda.',
  },
  {
    id: 'manifesto',
    name: 'Manifesto',
    description: 'A document written by the perpetrator of an attack setting out its motives or ideology.',
  },
  {
    id: 'branded-publication',
    name: 'Branded publication',
    description: 'Official material of a designated terrorist organisation: magazines, logos, media-wing releases.',
  },
  {
    id: 'personal-information-threat',
    name: 'Threatening publication of personal information',
    description: 'Kill lists and doxxing published by or for a terrorist organisation to incite attacks on the people listed.',
  },
];

const BY_ID = new Map(LABELS.map((l) => [l.id, l]));

export function isKnownLabel(id: string): boolean {
  return BY_ID.has(id);
}

export function unknownLabels(ids: readonly string[]): string[] {
  return ids.filter((id) => !BY_ID.has(id));
}
