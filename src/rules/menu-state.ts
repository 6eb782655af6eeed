/**
 * A caller's place in a menu travels in the clientActionId we send to 8x8, which echoes it in the
 * next event, so no server keeps call state: `m-<menu>-<I><N>`, where I is how many wrong keys and
 * N how many silences the caller has had in this menu so far (one digit each: retries are 0..9).
 * Example: m-main-10 = menu `main`, after one wrong key and no silence. Rule ids of this shape are
 * kept for menus.
 */
export const MENU_STATE = /^m-(.+)-(\d)(\d)$/;

export interface MenuState {
  menu: string;
  invalid: number;
  noInput: number;
}

export function menuStateId(menu: string, invalid: number, noInput: number): string {
  return `m-${menu}-${invalid}${noInput}`;
}

export function parseMenuState(id: string | undefined): MenuState | undefined {
  const m = id === undefined ? null : MENU_STATE.exec(id);
  return m ? { menu: m[1]!, invalid: Number(m[2]), noInput: Number(m[3]) } : undefined;
}
