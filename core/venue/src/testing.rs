//! Fixtures for venue tests, in this crate and in the crates above it (the phone's, the CLI's):
//! a health authority's signing key with one venue's QR code it signed, and a signed feed of a
//! notice for that venue.
//!
//! Behind the `testing` feature; nothing here is for production.
//!
//! ```
//! use mimamori_environment::SeededRandom;
//! use mimamori_venue::testing::TestVenue;
//! use mimamori_venue::{NoticeFeed, NoticeWindow};
//!
//! let mut random = SeededRandom::new(1);
//! let venue = TestVenue::new(&mut random, "居酒屋もしサポ", "2階");
//! let window = NoticeWindow::new(time::macros::date!(2021 - 07 - 20), 18, 20)?;
//! let feed = venue.signed_feed(window, 1_626_800_000, &mut random);
//! let keys = [venue.authority.public_key()];
//! assert_eq!(NoticeFeed::parse(&feed, &keys)?.entries().len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // fixtures: a failure is the test's failure

use mimamori_environment::RandomSource;

use crate::{
    NoticeBody, NoticeFeed, NoticeTemplate, NoticeWindow, VenuePayload, VenueQr, VenueSeed,
    VenueSigningKey, VenueType,
};

/// The host the test venues' QR codes name.
pub const AUTHORITY_HOST: &str = "venues.example.jp";

/// A health authority's signing key and a venue's QR code it signed.
#[derive(Debug)]
pub struct TestVenue {
    /// The health authority's key (key id `venue`, version `v1`): signs QR codes and feeds.
    pub authority: VenueSigningKey,
    /// The venue's QR code, signed for [`AUTHORITY_HOST`].
    pub qr: VenueQr,
}

impl TestVenue {
    /// A new authority key and a restaurant or bar named `name` (in `room`, which may be empty)
    /// at 岩手県盛岡市内丸10-1 with a default stay of 120 minutes, signed with it.
    pub fn new(random: &mut dyn RandomSource, name: &str, room: &str) -> Self {
        let authority = VenueSigningKey::generate(random, "venue", "v1").unwrap();
        let qr = VenuePayload::new(
            VenueType::RestaurantBar,
            120,
            VenueSeed::generate(random),
            name,
            "岩手県盛岡市内丸10-1",
            room,
        )
        .unwrap()
        .sign(&authority, AUTHORITY_HOST)
        .unwrap();
        Self { authority, qr }
    }

    /// Morioka's health centre's notice to the visitors of this venue in `window` (a positive
    /// visitor).
    pub fn notice(&self, window: NoticeWindow) -> NoticeBody {
        notice_body(
            NoticeTemplate::TokyoPositiveVisitor,
            window,
            self.qr.payload().name(),
        )
    }

    /// A feed created at `created` (Unix seconds) holding [`TestVenue::notice`] for `window`,
    /// encrypted for this venue and published then, signed by the authority.
    pub fn signed_feed(
        &self,
        window: NoticeWindow,
        created: u64,
        random: &mut dyn RandomSource,
    ) -> Vec<u8> {
        let entry = self
            .notice(window)
            .encrypt(&self.qr.secret(), created, random);
        NoticeFeed::new(created, vec![entry])
            .sign(&[&self.authority])
            .unwrap()
    }
}

/// Morioka's health centre's notice of `template` to the visitors of `venue_name` in `window`.
pub fn notice_body(template: NoticeTemplate, window: NoticeWindow, venue_name: &str) -> NoticeBody {
    NoticeBody::new(template, window, "盛岡市保健所", "019-603-8244", venue_name).unwrap()
}
