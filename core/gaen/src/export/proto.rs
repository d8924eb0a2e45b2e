//! The wire messages of `export.proto` (google/exposure-notifications-server), written by hand
//! for prost: proto2, so every scalar is optional and absent fields take the proto defaults.
//!
//! `report_type` and `variant_of_concern` are enums in the `.proto`; they are `int32` here, which
//! has the same wire encoding, so unknown values reach our own checks instead of being dropped.

/// `TemporaryExposureKeyExport`: the protobuf after the 16-byte header of `export.bin`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TemporaryExposureKeyExport {
    /// Start of the file's time window, Unix seconds (arrival at the server).
    #[prost(fixed64, optional, tag = "1")]
    pub(crate) start_timestamp: Option<u64>,
    /// End of the file's time window, Unix seconds.
    #[prost(fixed64, optional, tag = "2")]
    pub(crate) end_timestamp: Option<u64>,
    /// Region the keys came from, e.g. a country code.
    #[prost(string, optional, tag = "3")]
    pub(crate) region: Option<String>,
    /// 1-based number of this file in its batch.
    #[prost(int32, optional, tag = "4")]
    pub(crate) batch_num: Option<i32>,
    /// Number of files in the batch.
    #[prost(int32, optional, tag = "5")]
    pub(crate) batch_size: Option<i32>,
    /// Which keys signed the file.
    #[prost(message, repeated, tag = "6")]
    pub(crate) signature_infos: Vec<SignatureInfo>,
    /// Keys released for the first time.
    #[prost(message, repeated, tag = "7")]
    pub(crate) keys: Vec<TemporaryExposureKey>,
    /// Keys whose status changed (for example revoked).
    #[prost(message, repeated, tag = "8")]
    pub(crate) revised_keys: Vec<TemporaryExposureKey>,
}

/// `SignatureInfo` (fields 1 and 2 are reserved and skipped as unknown fields).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SignatureInfo {
    /// Key version for rollovers, e.g. `v1`.
    #[prost(string, optional, tag = "3")]
    pub(crate) verification_key_version: Option<String>,
    /// Alias of the public key that verifies the signature (for Apple, the MCC).
    #[prost(string, optional, tag = "4")]
    pub(crate) verification_key_id: Option<String>,
    /// ASN.1 OID of the signature algorithm.
    #[prost(string, optional, tag = "5")]
    pub(crate) signature_algorithm: Option<String>,
}

/// `TemporaryExposureKey`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TemporaryExposureKey {
    /// The 16-byte TEK.
    #[prost(bytes = "vec", optional, tag = "1")]
    pub(crate) key_data: Option<Vec<u8>>,
    /// Deprecated transmission risk level.
    #[prost(int32, optional, tag = "2")]
    pub(crate) transmission_risk_level: Option<i32>,
    /// First interval (ENIN) of the key.
    #[prost(int32, optional, tag = "3")]
    pub(crate) rolling_start_interval_number: Option<i32>,
    /// Intervals the key was valid for (proto default 144).
    #[prost(int32, optional, tag = "4", default = "144")]
    pub(crate) rolling_period: Option<i32>,
    /// `ReportType` enum value.
    #[prost(int32, optional, tag = "5")]
    pub(crate) report_type: Option<i32>,
    /// Days from symptom onset to the key's day (`sint32`).
    #[prost(sint32, optional, tag = "6")]
    pub(crate) days_since_onset_of_symptoms: Option<i32>,
    /// `VariantOfConcern` enum value.
    #[prost(int32, optional, tag = "8")]
    pub(crate) variant_of_concern: Option<i32>,
}

/// `TEKSignatureList`: the whole of `export.sig`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TekSignatureList {
    /// The signatures, most recent signing key first.
    #[prost(message, repeated, tag = "1")]
    pub(crate) signatures: Vec<TekSignature>,
}

/// `TEKSignature`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TekSignature {
    /// Which key made the signature.
    #[prost(message, optional, tag = "1")]
    pub(crate) signature_info: Option<SignatureInfo>,
    /// Must match the export's batch number.
    #[prost(int32, optional, tag = "2")]
    pub(crate) batch_num: Option<i32>,
    /// Must match the export's batch size.
    #[prost(int32, optional, tag = "3")]
    pub(crate) batch_size: Option<i32>,
    /// ECDSA signature, ASN.1 DER (X9.62).
    #[prost(bytes = "vec", optional, tag = "4")]
    pub(crate) signature: Option<Vec<u8>>,
}
