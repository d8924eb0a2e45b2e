"""Calls libmimamori_ffi through the generated Python bindings (run by scripts/bindings-test).

These tests check the bindings: that each exported shape crosses the boundary intact and that
errors arrive as the right exception. The rules behind the values are tested in mimamori-core.
"""

import json
import os
import sys
import tempfile
import time
import unittest

from mimamori import (
    Advertiser,
    HeardOutcome,
    MimamoriRadio,
    Scanner,
    default_radio_settings,
    ListingInput,
    DeviceCalibration,
    DeviceModel,
    DiagnosisKeyRecord,
    HeardPayload,
    HeardSighting,
    HttpClient,
    HttpClientError,
    HttpReply,
    MimamoriError,
    MimamoriPhone,
    ScanResult,
    UploadRequest,
    VenueCheckIn,
    calibration_for,
    parse_advertisement,
    parse_service_data,
    send_chaff,
    venue_feed_path,
    venue_keys_path,
    venue_parse_qr,
    venue_partner_match,
    listing_criteria,
    make_listing,
)

DEVICE = DeviceModel(manufacturer="Google", device="blueline", model="Pixel 3")
SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "core", "gaen", "tests", "data", "gaen-sample")
SAMPLE_ZIP = os.path.join(SAMPLE, "testExport-2-records-1-of-1.zip")
SAMPLE_PEM = os.path.join(SAMPLE, "testExport-public.pem")
VENUE_VECTORS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "core", "venue", "tests", "data", "venue-vectors",
    "venue-vectors.json",
)
CWA_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc7DEstcUIRcyk35OYDJ95/hTg3UVhsaDXKT0zK7NhHPXoyzipEnOp3GyNXDVpaPi3cAfQmxeuFMZAIX2+6A5Xg=="
)


SERVER = "https://diagnosis.example.jp"


class Bluetooth(Advertiser, Scanner):
    """The app's Bluetooth side: both foreign traits, recording what the radio loop asked."""

    def __init__(self):
        self.log = []
        self.advertised = []

    def start_advertising(self, broadcast):
        self.advertised.append(broadcast)
        self.log.append("advertise")

    def stop_advertising(self):
        self.log.append("stop advertising")

    def start_scan(self, scan_id, until_unix):
        self.log.append("scan")

    def stop_scan(self):
        self.log.append("stop scanning")


class FixedServer(HttpClient):
    """The app's HTTP client, answering from a dict of URL -> (status, body)."""

    def __init__(self, answers):
        self.answers = answers
        self.requests = []

    def get(self, url, max_bytes):
        self.requests.append(("GET", url, []))
        if url not in self.answers:
            raise HttpClientError.Failed("offline")
        status, body = self.answers[url]
        return HttpReply(status=status, body=body)

    def post_json(self, url, headers, body, max_bytes):
        self.requests.append(("POST", url, [(h.name, h.value) for h in headers]))
        if url not in self.answers:
            raise HttpClientError.Failed("offline")
        status, answer = self.answers[url]
        return HttpReply(status=status, body=answer)


class PhoneTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.data_dir = os.path.join(self._dir.name, "phone")
        self.addCleanup(self._dir.cleanup)

    def test_broadcast_has_the_advertised_shapes(self):
        broadcast = MimamoriPhone.open(self.data_dir, DEVICE).broadcast()
        self.assertEqual(len(broadcast.service_data), 20)
        self.assertEqual(len(broadcast.advertisement), 31)
        # The service data is the advertisement's last 20 bytes, RPI first.
        self.assertEqual(broadcast.advertisement[11:], broadcast.service_data)
        self.assertEqual(broadcast.rpi_hex, broadcast.service_data[:16].hex())
        self.assertGreater(broadcast.interval, 0)
        self.assertLess(broadcast.started_at_unix, broadcast.rotate_at_unix)

    def test_parse_advertisement_round_trips_a_broadcast(self):
        broadcast = MimamoriPhone.open(self.data_dir, DEVICE).broadcast()
        heard = parse_advertisement(broadcast.advertisement)
        self.assertIsInstance(heard, HeardPayload)
        self.assertEqual(heard.rpi + heard.aem, broadcast.service_data)
        self.assertEqual(parse_service_data(broadcast.service_data), heard)

    def test_short_service_data_raises_invalid_input(self):
        with self.assertRaises(MimamoriError.InvalidInput) as raised:
            parse_service_data(bytes(19))
        self.assertIn("got 19", str(raised.exception))

    def test_keys_for_upload_takes_days_and_rejects_bad_ones(self):
        phone = MimamoriPhone.open(self.data_dir, DEVICE)
        self.assertEqual(phone.keys_for_upload("2020-04-01", "2020-04-14"), [])
        with self.assertRaises(MimamoriError.InvalidInput):
            phone.keys_for_upload("2020-04-14", "2020-04-01")
        with self.assertRaises(MimamoriError.InvalidInput) as raised:
            phone.keys_for_upload("yesterday", "2020-04-14")
        self.assertIn("first_day", str(raised.exception))

    def test_calibration_and_address_change(self):
        phone = MimamoriPhone.open(self.data_dir, DEVICE)
        self.assertEqual(phone.calibration(), calibration_for(DEVICE))
        self.assertEqual(phone.calibration().tx_power_dbm, -33)
        custom = DeviceCalibration(rssi_correction_db=-2, tx_power_dbm=-20, calibration_confidence=3)
        phone.set_calibration(custom)
        self.assertEqual(phone.calibration(), custom)
        with self.assertRaises(MimamoriError.InvalidInput):
            phone.set_calibration(DeviceCalibration(rssi_correction_db=0, tx_power_dbm=-20, calibration_confidence=4))
        phone.address_changed()
        self.assertEqual(len(phone.broadcast().service_data), 20)

    def test_scans_keys_and_risk_cross_the_boundary(self):
        a = MimamoriPhone.open(os.path.join(self._dir.name, "a"), DEVICE)
        b = MimamoriPhone.open(self.data_dir, DEVICE)
        heard = a.broadcast()
        now = heard.started_at_unix
        recorded = b.record_scan(
            ScanResult(
                scan_id=2**63 + 5,
                started_at_unix=now,
                sightings=[
                    HeardSighting(service_data=heard.service_data, rssi_dbm=-60, seen_at_unix=now),
                    HeardSighting(service_data=bytes(3), rssi_dbm=-60, seen_at_unix=now),
                ],
            )
        )
        self.assertEqual((recorded.stored, recorded.rejected), (1, 1))
        key = DiagnosisKeyRecord(
            key_data=bytes(range(16)), rolling_start_interval=now // 600 // 144 * 144,
            rolling_period=144, report_type=1, days_since_onset=None,
        )
        self.assertEqual(b.match_diagnosis_keys([key]), 0)
        self.assertEqual(b.risk_days(), [])
        notice = b.exposure_notice()
        self.assertEqual(notice.high_risk_days, [])
        self.assertIn("陽性者", notice.message_ja)
        self.assertTrue(notice.message_en)
        with self.assertRaises(MimamoriError.InvalidInput):
            b.match_diagnosis_keys([DiagnosisKeyRecord(
                key_data=bytes(16), rolling_start_interval=0, rolling_period=0, report_type=1, days_since_onset=None)])

    def test_export_files_cross_the_boundary(self):
        phone = MimamoriPhone.open(self.data_dir, DEVICE)
        with open(SAMPLE_PEM) as file:
            pem = file.read()
        report = phone.match_export_file("test", "sample.zip", SAMPLE_ZIP, [pem])
        self.assertEqual((report.keys, report.matched_keys, report.new_windows), (2, 0, 0))
        self.assertIsNone(phone.match_export_file("test", "sample.zip", SAMPLE_ZIP, [pem]))
        with self.assertRaises(MimamoriError.InvalidExportFile):
            phone.match_export_file("test", "other.zip", SAMPLE_ZIP, [CWA_KEY])
        with self.assertRaises(MimamoriError.InvalidInput):
            phone.match_export_file("test", "other.zip", SAMPLE_ZIP, ["not a key"])

    def test_sync_goes_through_the_apps_http_client(self):
        with open(SAMPLE_ZIP, "rb") as file:
            sample = file.read()
        with open(SAMPLE_PEM) as file:
            pem = file.read()
        listing = (
            b'[{"region":"JP","url":"exports/JP/1.zip","created":1000},'
            b'{"region":"JP","url":"exports/JP/2.zip","created":2000}]'
        )
        client = FixedServer({
            SERVER + "/exports/JP/list.json": (200, listing),
            SERVER + "/exports/JP/1.zip": (200, sample),
            SERVER + "/exports/JP/2.zip": (404, b"gone"),
        })
        phone = MimamoriPhone.open(self.data_dir, DEVICE)
        info = phone.sync_exports(client, SERVER, "JP", [pem])
        self.assertEqual(info.listed, 2)
        self.assertEqual([f.url for f in info.matched], ["exports/JP/1.zip"])
        self.assertEqual(info.matched[0].created_millis, 1000)
        self.assertEqual(info.matched[0].result.keys, 2)
        self.assertEqual([f.url for f in info.failed], ["exports/JP/2.zip"])
        self.assertIn("HTTP 404", info.failed[0].reason)
        self.assertEqual(info.progress_millis, 1000)
        self.assertEqual(info.new_windows, 0)
        self.assertTrue(all(method == "GET" for method, _, _ in client.requests))
        with self.assertRaises(MimamoriError.Network):
            phone.sync_exports(FixedServer({}), SERVER, "JP", [pem])
        with self.assertRaises(MimamoriError.InvalidInput):
            phone.sync_exports(client, "diagnosis.example.jp", "JP", [pem])

    def test_upload_and_chaff_go_through_the_apps_http_client(self):
        client = FixedServer({SERVER + "/v1/publish": (200, b"{}")})
        self.assertIsNone(send_chaff(client, SERVER))
        self.assertEqual(client.requests, [("POST", SERVER + "/v1/publish", [("X-Chaff", "1")])])
        phone = MimamoriPhone.open(self.data_dir, DEVICE)
        request = UploadRequest(
            server=SERVER, code="1234 5678", health_authority_id="JP.mimamori",
            onset_day="2020-04-02", traveler=False,
        )
        # Today's key is released for upload (same-day release), so the code goes to the
        # server, offline here; only in the first 10 minutes of a UTC day is there nothing to send.
        with self.assertRaises((MimamoriError.Network, MimamoriError.NothingToUpload)):
            phone.upload_keys(client, request)
        self.assertLessEqual(len(client.requests), 2)
        with self.assertRaises(MimamoriError.InvalidInput):
            phone.upload_keys(client, UploadRequest(
                server=SERVER, code="1234", health_authority_id="JP.mimamori", onset_day=None, traveler=False))

    def test_venue_check_ins_and_notices_cross_the_boundary(self):
        with open(VENUE_VECTORS, encoding="utf-8") as file:
            vectors = json.load(file)
        pem = vectors["authority_public_key_pem"]
        url = vectors["payload"]["url"]
        feed = bytes.fromhex(vectors["feed"]["signed"])
        self.assertEqual(venue_feed_path(), "/venues/v1/notices")
        self.assertEqual(venue_keys_path(), "/venues/v1/keys.json")

        info = venue_parse_qr(url, [pem])
        self.assertEqual(info.name, "居酒屋もしサポ 本店")
        self.assertEqual(info.venue_type_ja, "食事提供施設")
        self.assertEqual(info.default_stay_minutes, 120)
        with self.assertRaises(MimamoriError.InvalidVenueQr):
            venue_parse_qr("https://line.me/R/ti/p/@example", [pem])
        with self.assertRaises(MimamoriError.InvalidVenueQr):
            venue_parse_qr(url, [CWA_KEY])

        phone = MimamoriPhone.open(self.data_dir, DEVICE)
        check_in = VenueCheckIn(qr_text=url, authority_keys=[pem], scanned_at_unix=None, stay_minutes=30, staff=True)
        with self.assertRaises(MimamoriError.VenueConsentRequired):
            phone.venue_check_in(check_in)
        self.assertFalse(phone.venue_has_consented())
        phone.venue_consent()
        self.assertTrue(phone.venue_has_consented())
        visit = phone.venue_check_in(check_in)
        self.assertTrue(visit.staff)
        self.assertEqual(visit.checkout_at_unix - visit.scanned_at_unix, 30 * 60)
        self.assertLessEqual(abs(visit.scanned_at_unix - int(time.time())), 60)
        phone.venue_set_checkout(visit.id, visit.scanned_at_unix + 60)
        self.assertEqual(phone.venue_visits()[0].checkout_at_unix, visit.scanned_at_unix + 60)

        # The vectors' notice is for 2021, so today's visit is not notified.
        check = phone.venue_match_feed(feed, [pem])
        self.assertEqual((check.new_notices, check.already_known, check.rejected_entries), ([], 0, 0))
        self.assertEqual(phone.venue_notices(), [])
        with self.assertRaises(MimamoriError.InvalidNoticeFeed):
            phone.venue_match_feed(feed[:-5], [pem])
        with self.assertRaises(MimamoriError.InvalidNoticeFeed):
            phone.venue_match_feed(feed, [CWA_KEY])

        csv = "visit_id,qr,arrived,left\nr-1,%s,2021-07-20T19:00:00+09:00,2021-07-20T20:30:00+09:00\n" % url
        notices = venue_partner_match(csv, feed, [pem])
        self.assertEqual([n.visit_id for n in notices], ["r-1"])
        self.assertEqual((notices[0].date, notices[0].from_hour, notices[0].to_hour), ("2021-07-20", 18, 22))
        self.assertEqual(notices[0].template, "tokyo_cluster")
        self.assertIn("集団発生の疑い", notices[0].text_ja)
        self.assertIn("does not mean you are infected", notices[0].text_en)
        self.assertEqual(phone.venue_withdraw_consent(), 1)

    def test_the_radio_loop_drives_the_apps_advertiser_and_scanner(self):
        other = MimamoriPhone.open(os.path.join(self._dir.name, "a"), DEVICE).broadcast()
        phone = MimamoriPhone.open(self.data_dir, DEVICE)
        bluetooth = Bluetooth()
        settings = default_radio_settings()
        settings.scan_window_seconds = 1
        radio = MimamoriRadio(phone, bluetooth, bluetooth, settings)
        first = radio.tick()
        self.assertEqual(bluetooth.log, ["advertise", "scan"])
        self.assertEqual(bluetooth.advertised[0].service_data, phone.broadcast().service_data)
        self.assertFalse(first.sync_due)
        self.assertEqual(radio.heard(other.service_data, -60, other.started_at_unix), HeardOutcome.KEPT)
        self.assertEqual(radio.heard(b"\x00" * 3, -60, other.started_at_unix), HeardOutcome.REJECTED)
        time.sleep(max(0.0, first.next_wake_unix - time.time()) + 0.2)
        second = radio.tick()
        self.assertEqual([(w.sightings, w.rejected) for w in second.recorded], [(1, 1)])
        self.assertEqual(bluetooth.log[-1], "stop scanning")
        radio.address_changed()
        self.assertEqual(bluetooth.log[-2:], ["stop advertising", "advertise"])
        radio.stop()
        self.assertEqual(bluetooth.log[-1], "stop advertising")

    def test_reopening_the_same_directory_works(self):
        first = MimamoriPhone.open(self.data_dir, DEVICE)
        first.broadcast()
        del first
        again = MimamoriPhone.open(self.data_dir, DEVICE)
        self.assertEqual(len(again.broadcast().advertisement), 31)
        self.assertTrue(os.path.isfile(os.path.join(self.data_dir, "mimamori.sqlite3")))

    def test_garbage_database_raises_and_is_left_alone(self):
        os.makedirs(self.data_dir)
        path = os.path.join(self.data_dir, "mimamori.sqlite3")
        garbage = b"this is not a SQLite database\n" * 200
        with open(path, "wb") as file:
            file.write(garbage)
        with self.assertRaises(MimamoriError.CorruptDatabase) as raised:
            MimamoriPhone.open(self.data_dir, DEVICE)
        self.assertIn("damaged", str(raised.exception))
        with open(path, "rb") as file:
            self.assertEqual(file.read(), garbage)


class ListingTest(unittest.TestCase):
    """Contact listing (issue 7): a record in, records and lists out, errors as InvalidInput."""

    ROSTER = (
        "id,name,group,attendance,criteria,last_contact\n"
        "e1,札幌 花子,Sales,2021-02-27,conversation,\n"
        "e2,Taro,Sales,2021-02-26,,\n"
    )

    def test_a_listing_crosses_the_boundary(self):
        result = make_listing(
            ListingInput(
                setting="workplace", onset_day="2021-02-25", specimen_day=None,
                last_attendance="2021-02-27", attended=[], masked=False, roster_csv=self.ROSTER,
                checkins_csv="person_id,room,checked_in,checked_out\n"
                "pos,r1,2021-02-27 09:00,2021-02-27 10:00\ne2,r1,2021-02-27 09:30,2021-02-27 11:00\n",
                positive_id="pos", consultation_json=None,
            )
        )
        self.assertEqual(result.period_first, "2021-02-23")
        self.assertEqual(len(result.attendance_days), 5)
        self.assertEqual(result.listed[0].name, "札幌 花子")
        self.assertEqual(result.listed[0].released_on, "2021-03-07")
        self.assertEqual(result.health_watch[0].watch_until, "2021-03-08")
        self.assertEqual(result.candidates[0].overlaps[0].minutes, 30)
        self.assertIn("possible-infection", result.csv)
        self.assertIn("mimamori-listing/1", result.json)
        criteria = listing_criteria("nursery", True)
        self.assertEqual([c.id for c in criteria], ["long-time", "same-table", "secretions", "other"])

    def test_a_bad_roster_raises_invalid_input_with_the_line(self):
        with self.assertRaises(MimamoriError.InvalidInput) as raised:
            make_listing(
                ListingInput(
                    setting="school", onset_day=None, specimen_day="2021-02-25",
                    last_attendance="2021-02-27", attended=[], masked=True,
                    roster_csv="id,name,group,attendance,criteria,last_contact\ne1,A,1,,same-class,\n",
                    checkins_csv=None, positive_id=None, consultation_json=None,
                )
            )
        self.assertIn("roster line 2", str(raised.exception))

    def test_check_ins_without_a_positive_id_are_refused(self):
        for positive_id in (None, ""):
            with self.assertRaises(MimamoriError.InvalidInput) as raised:
                make_listing(
                    ListingInput(
                        setting="workplace", onset_day="2021-02-25", specimen_day=None,
                        last_attendance="2021-02-27", attended=[], masked=False, roster_csv=self.ROSTER,
                        checkins_csv="person_id,room,checked_in,checked_out\n"
                        "pos,r1,2021-02-27 09:00,2021-02-27 10:00\n",
                        positive_id=positive_id, consultation_json=None,
                    )
                )
            self.assertIn("positive_id", str(raised.exception))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    # Read by scripts/bindings-test.
    sys.stderr.flush()
    print(f"python results: passed={passed} failed={failed}", flush=True)
    sys.exit(1 if failed or result.testsRun == 0 else 0)
