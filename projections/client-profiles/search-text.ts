/** Folds text for search: case- and accent-insensitive ("Zoë" finds "zoe", "ZOE" finds "Zoë"). */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().trim();
}
