"""Calls libmimamori_ffi through the generated Python bindings (run by scripts/bindings-test).

These tests check the bindings: that each exported shape crosses the boundary intact and that
errors arrive as the right exception. The rules behind the values are tested in mimamori-core.
"""

import os
import sys
import tempfile
import unittest

from mimamori import (
    DeviceCalibration,
    DeviceModel,
    DiagnosisKeyRecord,
    HeardPayload,
    HeardSighting,
    MimamoriError,
    MimamoriPhone,
    ScanResult,
    calibration_for,
    parse_advertisement,
    parse_service_data,
)

DEVICE = DeviceModel(manufacturer="Google", device="blueline", model="Pixel 3")
SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "core", "tests", "data", "gaen-sample")
SAMPLE_ZIP = os.path.join(SAMPLE, "testExport-2-records-1-of-1.zip")
SAMPLE_PEM = os.path.join(SAMPLE, "testExport-public.pem")
CWA_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc7DEstcUIRcyk35OYDJ95/hTg3UVhsaDXKT0zK7NhHPXoyzipEnOp3GyNXDVpaPi3cAfQmxeuFMZAIX2+6A5Xg=="
)


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


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    # Read by scripts/bindings-test.
    sys.stderr.flush()
    print(f"python results: passed={passed} failed={failed}", flush=True)
    sys.exit(1 if failed or result.testsRun == 0 else 0)
