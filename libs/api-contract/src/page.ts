/** A page of a list that can be long: pass `nextCursor` back as `cursor` for the next page (null: the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A list answered whole. */
export interface ItemList<T> {
  items: T[];
}
