//! The JSON bodies of the phone API (`core::api::v1`): publish, verify and certificate requests
//! as the server reads them, and the responses as the phone reads them. The first byte chooses
//! the type; what reads is written again and must read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_api::v1::{
    CertificateRequest, CertificateResponse, PublishRequest, PublishResponse, TestType,
    VerifyCodeRequest, VerifyCodeResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq>(json: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(json) {
        let written = serde_json::to_vec(&value).expect("a read value writes");
        let again: T = serde_json::from_slice(&written).expect("a written value reads");
        assert!(again == value, "a written value reads back differently");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    match which % 7 {
        0 => {
            round_trip::<PublishRequest>(json);
            if let Ok(request) = serde_json::from_slice::<PublishRequest>(json) {
                let _ = request.decoded_hmac_key();
                for key in &request.temporary_exposure_keys {
                    let _ = key.temporary_exposure_key();
                }
            }
        }
        1 => round_trip::<PublishResponse>(json),
        2 => round_trip::<VerifyCodeRequest>(json),
        3 => round_trip::<VerifyCodeResponse>(json),
        4 => round_trip::<CertificateRequest>(json),
        5 => round_trip::<CertificateResponse>(json),
        _ => {
            if let Some(test_type) = std::str::from_utf8(json).ok().and_then(TestType::parse) {
                round_trip::<TestType>(&serde_json::to_vec(&test_type).expect("writes"));
            }
        }
    }
});
