// Calls libmimamori_ffi through the generated Kotlin bindings (run by scripts/bindings-test).
//
// These checks cover the bindings: one call of each exported shape (constructor, methods with and
// without results, free functions, records, lists, byte arrays, unsigned integers, errors). The
// rules behind the values are tested in mimamori-core.

import java.io.File
import kotlin.io.path.createTempDirectory
import kotlin.system.exitProcess
import org.mimamori.Advertiser
import org.mimamori.BroadcastInfo
import org.mimamori.DeviceCalibration
import org.mimamori.DeviceModel
import org.mimamori.DiagnosisKeyRecord
import org.mimamori.HeardOutcome
import org.mimamori.HeardSighting
import org.mimamori.HttpClient
import org.mimamori.HttpClientException
import org.mimamori.HttpHeader
import org.mimamori.HttpReply
import org.mimamori.ListingInput
import org.mimamori.MimamoriException
import org.mimamori.MimamoriPhone
import org.mimamori.MimamoriRadio
import org.mimamori.Scanner
import org.mimamori.ScanResult
import org.mimamori.UploadRequest
import org.mimamori.VenueCheckIn
import org.mimamori.calibrationFor
import org.mimamori.defaultRadioSettings
import org.mimamori.listingCriteria
import org.mimamori.makeListing
import org.mimamori.parseAdvertisement
import org.mimamori.parseServiceData
import org.mimamori.sendChaff
import org.mimamori.venueFeedPath
import org.mimamori.venueKeysPath
import org.mimamori.venueParseQr
import org.mimamori.venuePartnerMatch

private val device = DeviceModel(manufacturer = "Google", device = "blueline", model = "Pixel 3")

private fun ensure(condition: Boolean, what: String) {
    if (!condition) throw AssertionError(what)
}

private inline fun <reified E : Throwable> assertThrows(block: () -> Unit): E {
    try {
        block()
    } catch (error: Throwable) {
        if (error is E) return error
        throw AssertionError("expected ${E::class.simpleName}, got $error")
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

private fun ByteArray.hex() = joinToString("") { "%02x".format(it) }

private fun broadcastCrossesAsARecord(dir: File) {
    MimamoriPhone.open(File(dir, "phone").path, device).use { phone ->
        val broadcast = phone.broadcast()
        ensure(broadcast.serviceData.size == 20, "service data is 20 bytes")
        ensure(broadcast.advertisement.size == 31, "advertisement is 31 bytes")
        ensure(broadcast.advertisement.copyOfRange(11, 31).contentEquals(broadcast.serviceData), "advertisement ends with the service data")
        ensure(broadcast.rpiHex == broadcast.serviceData.copyOfRange(0, 16).hex(), "rpiHex is the RPI")
        ensure(broadcast.interval > 0u, "interval is set")
        ensure(broadcast.startedAtUnix < broadcast.rotateAtUnix, "rotation is after the start")
    }
}

private fun freeFunctionsParseWhatWasBroadcast(dir: File) {
    val broadcast = MimamoriPhone.open(dir.path, device).use { it.broadcast() }
    val heard = parseAdvertisement(broadcast.advertisement)
    ensure((heard.rpi + heard.aem).contentEquals(broadcast.serviceData), "advertisement parses to RPI and AEM")
    ensure(parseServiceData(broadcast.serviceData).rpi.contentEquals(heard.rpi), "service data parses to the RPI")
}

private fun methodsWithoutResultsAndLists(dir: File) {
    MimamoriPhone.open(dir.path, device).use { phone ->
        ensure(phone.calibration() == calibrationFor(device), "the table's calibration is used")
        val custom = DeviceCalibration(rssiCorrectionDb = (-2).toByte(), txPowerDbm = (-20).toByte(), calibrationConfidence = 3.toUByte())
        phone.setCalibration(custom)
        ensure(phone.calibration() == custom, "the calibration can be overridden")
        phone.addressChanged()
        ensure(phone.keysForUpload("2020-04-01", "2020-04-14").isEmpty(), "no keys from 2020")
        assertThrows<MimamoriException.InvalidInput> {
            phone.setCalibration(DeviceCalibration(rssiCorrectionDb = 0, txPowerDbm = 0, calibrationConfidence = 4.toUByte()))
        }
        assertThrows<MimamoriException.InvalidInput> { phone.keysForUpload("2020-04-14", "2020-04-01") }
    }
}

private fun scansKeysAndRiskCrossTheBoundary(dir: File) {
    MimamoriPhone.open(File(dir, "b").path, device).use { phone ->
        val heard = MimamoriPhone.open(File(dir, "a").path, device).use { it.broadcast() }
        val now = heard.startedAtUnix
        val recorded = phone.recordScan(
            ScanResult(
                scanId = ULong.MAX_VALUE,
                startedAtUnix = now,
                sightings = listOf(
                    HeardSighting(serviceData = heard.serviceData, rssiDbm = (-60).toShort(), seenAtUnix = now),
                    HeardSighting(serviceData = ByteArray(3), rssiDbm = (-60).toShort(), seenAtUnix = now),
                ),
            ),
        )
        ensure(recorded.stored == 1u && recorded.rejected == 1u, "one stored, one rejected: $recorded")
        val key = DiagnosisKeyRecord(
            keyData = ByteArray(16) { it.toByte() },
            rollingStartInterval = (now / 600u / 144u * 144u).toUInt(),
            rollingPeriod = 144u,
            reportType = 1,
            daysSinceOnset = null,
        )
        ensure(phone.matchDiagnosisKeys(listOf(key)) == 0u, "an unknown key matches nothing")
        ensure(phone.riskDays().isEmpty(), "no risk days")
        val notice = phone.exposureNotice()
        ensure(notice.highRiskDays.isEmpty() && notice.messageJa.contains("陽性者"), "notice in Japanese: ${notice.messageJa}")
    }
}

private fun exportFilesCrossTheBoundary(dir: File) {
    val sample = File("core/gaen/tests/data/gaen-sample")
    val pem = File(sample, "testExport-public.pem").readText()
    val zip = File(sample, "testExport-2-records-1-of-1.zip").path
    MimamoriPhone.open(dir.path, device).use { phone ->
        val report = phone.matchExportFile("test", "sample.zip", zip, listOf(pem))
        ensure(report != null && report.keys == 2uL && report.matchedKeys == 0uL, "two keys read, none heard: $report")
        ensure(phone.matchExportFile("test", "sample.zip", zip, listOf(pem)) == null, "a file is matched once")
        assertThrows<MimamoriException.InvalidInput> { phone.matchExportFile("test", "x.zip", zip, listOf("not a key")) }
    }
}

/** The app's Bluetooth side on the JVM: both foreign traits, recording what the loop asked. */
private class JvmBluetooth : Advertiser, Scanner {
    val log = mutableListOf<String>()
    val advertised = mutableListOf<BroadcastInfo>()
    var scanning: ULong? = null

    override fun startAdvertising(broadcast: BroadcastInfo) {
        advertised.add(broadcast)
        log.add("advertise")
    }

    override fun stopAdvertising() {
        log.add("stop advertising")
    }

    override fun startScan(scanId: ULong, untilUnix: ULong) {
        scanning = scanId
        log.add("scan")
    }

    override fun stopScan() {
        scanning = null
        log.add("stop scanning")
    }
}

private fun theRadioLoopDrivesTheAppsAdvertiserAndScanner(dir: File) {
    val other = MimamoriPhone.open(File(dir, "a").path, device).use { it.broadcast() }
    MimamoriPhone.open(File(dir, "b").path, device).use { phone ->
        val bluetooth = JvmBluetooth()
        val settings = defaultRadioSettings().copy(scanWindowSeconds = 1uL)
        MimamoriRadio(phone, bluetooth, bluetooth, settings).use { radio ->
            // Start: advertise this phone's broadcast, open a scan window.
            val first = radio.tick()
            ensure(bluetooth.log == listOf("advertise", "scan"), "started: ${bluetooth.log}")
            ensure(bluetooth.advertised[0].serviceData.contentEquals(phone.broadcast().serviceData), "advertises the phone's payload")
            ensure(!first.syncDue && first.nextWakeUnix > 0uL, "no sync without a schedule: $first")
            // The scan callback hands back what it heard.
            ensure(radio.heard(other.serviceData, (-60).toShort(), other.startedAtUnix) == HeardOutcome.KEPT, "kept")
            ensure(radio.heard(ByteArray(3), (-60).toShort(), other.startedAtUnix) == HeardOutcome.REJECTED, "rejected")
            // The window ends: one batch recorded, the scanner stopped.
            Thread.sleep(maxOf(0L, first.nextWakeUnix.toLong() * 1000 - System.currentTimeMillis()) + 200)
            val second = radio.tick()
            ensure(second.recorded.size == 1 && second.recorded[0].sightings == 1u && second.recorded[0].rejected == 1u, "recorded: $second")
            ensure(bluetooth.log.last() == "stop scanning" && bluetooth.scanning == null, "scanner stopped: ${bluetooth.log}")
            // A rotation (here forced by an address change): stop, then start again.
            radio.addressChanged()
            ensure(bluetooth.log.takeLast(2) == listOf("stop advertising", "advertise"), "rotated: ${bluetooth.log}")
            ensure(bluetooth.advertised.last().serviceData.contentEquals(phone.broadcast().serviceData), "advertises the current payload")
            radio.stop()
            ensure(bluetooth.log.last() == "stop advertising", "stopped: ${bluetooth.log}")
        }
        assertThrows<MimamoriException.InvalidInput> {
            MimamoriRadio(phone, JvmBluetooth(), JvmBluetooth(), defaultRadioSettings().copy(scanWindowSeconds = 0uL))
        }
    }
}

private const val SERVER = "https://diagnosis.example.jp"

/** The app's HTTP client, answering from a map of URL to (status, body). */
private class FixedServer(private val answers: Map<String, Pair<Int, ByteArray>>) : HttpClient {
    val requests = mutableListOf<Triple<String, String, List<HttpHeader>>>()

    override fun get(url: String, maxBytes: ULong): HttpReply {
        requests.add(Triple("GET", url, emptyList()))
        val (status, body) = answers[url] ?: throw HttpClientException.Failed("offline")
        return HttpReply(status.toUShort(), body)
    }

    override fun postJson(url: String, headers: List<HttpHeader>, body: ByteArray, maxBytes: ULong): HttpReply {
        requests.add(Triple("POST", url, headers))
        val (status, answer) = answers[url] ?: throw HttpClientException.Failed("offline")
        return HttpReply(status.toUShort(), answer)
    }
}

private fun theServerFlowGoesThroughTheAppsClient(dir: File) {
    val sample = File("core/gaen/tests/data/gaen-sample")
    val pem = File(sample, "testExport-public.pem").readText()
    val listing = """[{"region":"JP","url":"exports/JP/1.zip","created":1000}]"""
    val client = FixedServer(mapOf(
        "$SERVER/exports/JP/list.json" to (200 to listing.toByteArray()),
        "$SERVER/exports/JP/1.zip" to (200 to File(sample, "testExport-2-records-1-of-1.zip").readBytes()),
        "$SERVER/v1/publish" to (200 to "{}".toByteArray()),
    ))
    MimamoriPhone.open(dir.path, device).use { phone ->
        val info = phone.syncExports(client, SERVER, "JP", listOf(pem))
        ensure(info.listed == 1u && info.matched.size == 1 && info.failed.isEmpty(), "one file listed and matched: $info")
        ensure(info.matched[0].result.keys == 2uL && info.progressMillis == 1000uL, "the file's keys and the progress: $info")
        val again = phone.syncExports(client, SERVER, "JP", listOf(pem))
        ensure(again.alreadyMatched == 1u && again.matched.isEmpty(), "nothing is downloaded twice: $again")
        assertThrows<MimamoriException.Network> { phone.syncExports(FixedServer(emptyMap()), SERVER, "JP", listOf(pem)) }
        val request = UploadRequest(SERVER, "12345678", "JP.mimamori", null, false)
        // Today's key is released for upload (same-day release), so the code goes to the
        // server, which is offline here; only in the first 10 minutes of a UTC day is there
        // nothing to send.
        val refused = assertThrows<MimamoriException> { phone.uploadKeys(client, request) }
        ensure(refused is MimamoriException.Network || refused is MimamoriException.NothingToUpload, "upload: $refused")
    }
    sendChaff(client, SERVER)
    val chaff = client.requests.last()
    ensure(chaff.first == "POST" && chaff.third == listOf(HttpHeader("X-Chaff", "1")), "chaff is a marked POST: $chaff")
}

private fun errorsArriveAsTheirVariantWithAMessage(dir: File) {
    val short = assertThrows<MimamoriException.InvalidInput> { parseServiceData(ByteArray(19)) }
    ensure(short.message?.contains("got 19") == true, "message says what was wrong: ${short.message}")
    val database = File(dir, "mimamori.sqlite3")
    database.writeText("this is not a SQLite database\n".repeat(200))
    val corrupt = assertThrows<MimamoriException.CorruptDatabase> { MimamoriPhone.open(dir.path, device) }
    ensure(corrupt.message?.contains("damaged") == true, "message says the file is damaged: ${corrupt.message}")
}

/** A string field of the venue vectors (a flat regex read: the file is ours and simple). */
private fun vector(json: String, name: String): String {
    val match = Regex("\"$name\": \"((?:[^\"\\\\]|\\\\.)*)\"").find(json)
        ?: throw AssertionError("no $name in the venue vectors")
    return match.groupValues[1].replace("\\n", "\n")
}

private fun venueCheckInsAndNoticesCrossTheBoundary(dir: File) {
    val json = File("core/venue/tests/data/venue-vectors/venue-vectors.json").readText()
    val pem = vector(json, "authority_public_key_pem")
    val url = vector(json, "url")
    val feed = vector(json, "signed").chunked(2).map { it.toInt(16).toByte() }.toByteArray()
    ensure(venueFeedPath() == "/venues/v1/notices" && venueKeysPath() == "/venues/v1/keys.json", "paths")
    val info = venueParseQr(url, listOf(pem))
    ensure(info.name == "居酒屋もしサポ 本店" && info.defaultStayMinutes == 120.toUShort(), "venue info: $info")
    assertThrows<MimamoriException.InvalidVenueQr> { venueParseQr("https://line.me/R/ti/p/@x", listOf(pem)) }
    MimamoriPhone.open(dir.path, device).use { phone ->
        val checkIn = VenueCheckIn(url, listOf(pem), null, null, false)
        assertThrows<MimamoriException.VenueConsentRequired> { phone.venueCheckIn(checkIn) }
        phone.venueConsent()
        ensure(phone.venueHasConsented(), "consent is stored")
        val visit = phone.venueCheckIn(checkIn)
        ensure(!visit.staff && visit.checkoutAtUnix - visit.scannedAtUnix == 7200uL, "default stay: $visit")
        phone.venueSetCheckout(visit.id, visit.scannedAtUnix + 60uL)
        ensure(phone.venueVisits().single().checkoutAtUnix == visit.scannedAtUnix + 60uL, "checkout changed")
        val check = phone.venueMatchFeed(feed, listOf(pem))
        ensure(check.newNotices.isEmpty() && check.rejectedEntries == 0u, "a 2021 notice is not today's: $check")
        ensure(phone.venueNotices().isEmpty(), "no notices stored")
        assertThrows<MimamoriException.InvalidNoticeFeed> { phone.venueMatchFeed(feed.copyOf(feed.size - 5), listOf(pem)) }
        ensure(phone.venueWithdrawConsent() == 1u, "withdrawing deletes the visit")
    }
    val csv = "visit_id,qr,arrived,left\nr-1,$url,2021-07-20T19:00:00+09:00,2021-07-20T20:30:00+09:00\n"
    val notices = venuePartnerMatch(csv, feed, listOf(pem))
    ensure(notices.map { it.visitId } == listOf("r-1"), "the partner's visit is notified: $notices")
    ensure(notices[0].fromHour == 18.toUByte() && notices[0].textJa.contains("集団発生の疑い"), "notice: ${notices[0]}")
}

private fun aContactListingCrossesTheBoundary(dir: File) {
    val roster = "id,name,group,attendance,criteria,last_contact\n" +
        "k1,札幌 花子,hiyoko,2024-02-29,secretions,\nk2,Taro,hiyoko,2024-02-28,,\n"
    val input = ListingInput(
        setting = "nursery", onsetDay = "2024-03-01", specimenDay = null, lastAttendance = "2024-03-01",
        attended = listOf("2024-02-28", "2024-02-29"), masked = false, rosterCsv = roster,
        checkinsCsv = null, positiveId = null, consultationJson = null,
    )
    val result = makeListing(input)
    ensure(result.periodFirst == "2024-02-28", "period: ${result.periodFirst}")
    ensure(result.listed.single().name == "札幌 花子", "listed: ${result.listed}")
    ensure(result.listed.single().releasedOn == "2024-03-08", "leap-year release: ${result.listed}")
    ensure(result.healthWatch.single().watchUntil == "2024-03-09", "watch: ${result.healthWatch}")
    ensure(result.candidates.isEmpty() && result.csv.contains("possible-infection"), "csv: ${result.csv}")
    ensure(listingCriteria("afterschool", false).first().id == "same-room", "criteria")
    val error = assertThrows<MimamoriException.InvalidInput> { listingCriteria("workplace", true) }
    ensure(error.message!!.contains("masked"), "message: ${error.message}")
    val checkins = "person_id,room,checked_in,checked_out\nk1,hall,2024-02-29 09:00,2024-02-29 10:00\n"
    val noPositive = assertThrows<MimamoriException.InvalidInput> {
        makeListing(input.copy(checkinsCsv = checkins, positiveId = null))
    }
    ensure(noPositive.message!!.contains("positive_id"), "message: ${noPositive.message}")
}

fun main() {
    val tests = listOf(
        "broadcast crosses as a record" to ::broadcastCrossesAsARecord,
        "free functions parse what was broadcast" to ::freeFunctionsParseWhatWasBroadcast,
        "methods without results, and lists" to ::methodsWithoutResultsAndLists,
        "scans, keys and risk cross the boundary" to ::scansKeysAndRiskCrossTheBoundary,
        "export files cross the boundary" to ::exportFilesCrossTheBoundary,
        "the server flow goes through the app's client" to ::theServerFlowGoesThroughTheAppsClient,
        "errors arrive as their variant with a message" to ::errorsArriveAsTheirVariantWithAMessage,
        "venue check-ins and notices cross the boundary" to ::venueCheckInsAndNoticesCrossTheBoundary,
        "a contact listing crosses the boundary" to ::aContactListingCrossesTheBoundary,
        "the radio loop drives the app's advertiser and scanner" to ::theRadioLoopDrivesTheAppsAdvertiserAndScanner,
    )
    var passed = 0
    var failed = 0
    for ((name, test) in tests) {
        val dir = createTempDirectory("mimamori-kotlin").toFile()
        try {
            test(dir)
            passed++
            println("ok      $name")
        } catch (error: Throwable) {
            failed++
            println("FAILED  $name: $error")
        } finally {
            dir.deleteRecursively()
        }
    }
    // Read by scripts/bindings-test.
    println("kotlin results: passed=$passed failed=$failed")
    if (failed > 0) exitProcess(1)
}
