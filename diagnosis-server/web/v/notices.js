// The notice check that the page's "Check notices" and the service worker's periodic sync both
// run: downloads the whole signed feed (a GET carrying nothing about a visit), verifies it with
// the pinned feed keys, matches the stored visits with venue-protocol.js and stores each match
// once. Visits never leave this browser. Works in a window and in a (module) service worker.
import { VenueError, matchVisits, parseFeed, toHex, visit } from "./venue-protocol.js";
import { renderNotice } from "./notice-text.js";
import * as store from "./checkin-store.js";

/** The periodic background sync that checks notices (registered by app.js, run by sw.js). */
export const SYNC_TAG = "mimamori-notices";
/** The signed notice feed (core's FEED_PATH). */
const FEED_PATH = "/venues/v1/notices";

const timeFormat = new Intl.DateTimeFormat("ja-JP", {
  timeZone: "Asia/Tokyo",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});
/** A Unix time as Tokyo's date and time. */
export const clock = (unixSeconds) => timeFormat.format(new Date(unixSeconds * 1000));
/** A Unix time as Tokyo's hh:mm. */
export const hourMinute = (unixSeconds) => clock(unixSeconds).slice(-5);

/**
 * Checks the feed at `api` (an origin, "" for this one) against the kept visits with `feedKeys`
 * (WebCrypto keys) and stores the matches; resolves with the matches not stored before. Throws
 * VenueError ("feed-unavailable", or the feed's own kind) and then changes nothing stored.
 */
export async function checkFeed(api, feedKeys) {
  const download = async (cache) => {
    try {
      const response = await fetch(api + FEED_PATH, { credentials: "omit", cache, referrerPolicy: "no-referrer" });
      if (!response.ok) throw new Error(String(response.status));
      return parseFeed(new Uint8Array(await response.arrayBuffer()), feedKeys);
    } catch (error) {
      if (error instanceof VenueError) throw error;
      throw new VenueError("feed-unavailable", "the feed could not be downloaded");
    }
  };
  // Revalidated (a copy still current is not downloaded again); a copy that fails is
  // downloaded afresh once, in case a spoiled answer was cached.
  const feed = await download("no-cache").catch((error) =>
    error.kind === "feed-unavailable" ? Promise.reject(error) : download("reload"),
  );
  const records = await store.purge(Math.floor(Date.now() / 1000));
  const visits = [];
  for (const record of records) {
    try {
      visits.push(await visit({ ...record, payloadBytes: record.payload }));
    } catch {
      // A record this version cannot read is kept, not matched.
    }
  }
  const byId = new Map(records.map((record) => [record.id, record]));
  const report = await matchVisits(visits, feed);
  const known = new Map((await store.all("notices")).map((notice) => [notice.id, notice]));
  const found = report.matches.map((match) => {
    const id = toHex(match.noticeId);
    const first = byId.get(match.visitIds[0]);
    return {
      id,
      visitIds: [...new Set([...(known.get(id)?.visitIds ?? []), ...match.visitIds])],
      publishedAt: match.publishedAt,
      venueName: match.body.venueName,
      contactPhone: match.body.contactPhone,
      visited: `${first.room ? `${first.room} ` : ""}${clock(first.arrived)}–${hourMinute(first.left)}`,
      ja: renderNotice(match.body, "ja"),
      en: renderNotice(match.body, "en"),
    };
  });
  await store.writeNotices(found);
  return found.filter((notice) => !known.has(notice.id));
}
