// Who is calling, on a call card: the name the shell chose and where it came
// from, company · department · title, the directory's photo, and a quiet
// "looking up the company directory…" while the directory may still answer.
// The shell decides all of it once (ringside_directory::precedence); this
// file only shows it, as text, and decides no precedence of its own. It
// also keeps an identity that arrived before its card, for that card.

import { el, outsideText } from "./dom";
import { t, type MessageKey } from "./i18n";
import type { CallerIdentity } from "./bindings/CallerIdentity";
import type { NameSource } from "./bindings/NameSource";

/** How the card names where its name came from. */
const SOURCE_KEYS: Record<NameSource, MessageKey> = {
  contact: "popup.source.contact",
  directory: "popup.source.directory",
  addressBook: "popup.source.addressBook",
  pbx: "popup.source.pbx",
};

/**
 * A photo the card shows: an inline JPEG or PNG, as the shell encodes the
 * directory's bytes. Anything else (a URL to fetch, another type) is not
 * shown: the card loads nothing from outside.
 */
const PHOTO_URL = /^data:image\/(?:jpeg|png);base64,[A-Za-z0-9+/]+={0,2}$/;

/** Longest company, department or title shown in full; the whole value is in the title. */
const MAX_ORG_CHARS = 80;

/**
 * Identities whose card had not opened yet: the popup and the lookup race
 * when the popup window is slow to listen. A few are enough; one kept for a
 * card already gone shows nowhere and leaves with the oldest.
 */
const early = new Map<string, CallerIdentity>();
const MAX_EARLY = 16;

/** Keeps an identity for the card of `call`, should it open. */
export function keepEarly(call: string, identity: CallerIdentity): void {
  early.delete(call);
  early.set(call, identity);
  while (early.size > MAX_EARLY) early.delete(early.keys().next().value!);
}

/** The identity that came before the card of `call`, once. */
export function takeEarly(call: string): CallerIdentity | null {
  const identity = early.get(call) ?? null;
  early.delete(call);
  return identity;
}

/**
 * The identity's parts of a card: the photo left of the name, the lines
 * under the number. The photo's `<img>` exists only while there is a photo,
 * so a card without one holds no image element at all.
 */
export class CallerIdentityView {
  readonly avatar: HTMLElement;
  readonly lines: HTMLElement;
  private readonly source: HTMLElement;
  private readonly org: HTMLElement;
  private readonly pending: HTMLElement;

  constructor() {
    this.avatar = el("span", { class: "caller-avatar", attrs: { "aria-hidden": "true" } });
    this.source = el("span", { class: "caller-source", testid: "caller-source" });
    this.org = el("span", { class: "caller-org", testid: "caller-org" });
    this.pending = el("span", { class: "identity-pending", testid: "identity-pending", text: t("popup.lookingUpDirectory") });
    this.lines = el("div", { class: "caller-identity" }, [this.source, this.org, this.pending]);
    this.show(null);
  }

  /** Shows `identity`; `null` shows none of it, as before the shell said anything. */
  show(identity: CallerIdentity | null): void {
    this.source.textContent = identity?.name && identity.source ? t(SOURCE_KEYS[identity.source]) : "";
    this.source.hidden = this.source.textContent === "";
    const parts = [identity?.company, identity?.department, identity?.title].filter((p): p is string => !!p?.trim());
    this.org.replaceChildren();
    parts.forEach((part, i) => {
      if (i > 0) this.org.append(" · ");
      this.org.append(outsideText(part, { max: MAX_ORG_CHARS }));
    });
    this.org.hidden = parts.length === 0;
    this.pending.hidden = identity?.pending !== true;
    this.showPhoto(identity?.photo && PHOTO_URL.test(identity.photo) ? identity.photo : null);
  }

  private showPhoto(photo: string | null): void {
    const img = this.avatar.querySelector("img");
    if (photo === null) img?.remove();
    else if (!img) this.avatar.append(el("img", { class: "caller-photo", testid: "caller-photo", attrs: { alt: "", src: photo } }));
    else if (img.getAttribute("src") !== photo) img.src = photo;
    this.avatar.hidden = photo === null;
  }
}
