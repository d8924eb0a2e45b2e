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
    HeardPayload,
    MimamoriError,
    MimamoriPhone,
    parse_advertisement,
    parse_service_data,
)

DEVICE = DeviceCalibration(tx_power_dbm=-8, calibration_confidence=2)


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
        phone.set_calibration(DeviceCalibration(tx_power_dbm=-20, calibration_confidence=3))
        with self.assertRaises(MimamoriError.InvalidInput):
            phone.set_calibration(DeviceCalibration(tx_power_dbm=-20, calibration_confidence=4))
        with self.assertRaises(MimamoriError.InvalidInput):
            MimamoriPhone.open(self.data_dir, DeviceCalibration(tx_power_dbm=0, calibration_confidence=4))
        phone.address_changed()
        self.assertEqual(len(phone.broadcast().service_data), 20)

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
