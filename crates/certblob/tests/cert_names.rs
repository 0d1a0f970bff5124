//! Thumbprint text, store and location names, registry key paths.

use certblob::{cert_key_path, certificates_key, Location, Store, Thumbprint};

const TP: &str = "DD70024CA91CB2DF49477155BB4E0C836DA6527E";

#[test]
fn thumbprint_text_forms() {
    let want: Thumbprint = TP.parse().unwrap();
    assert_eq!(want.to_string(), TP);
    for input in [
        "dd70024ca91cb2df49477155bb4e0c836da6527e",
        "dd 70 02 4c a9 1c b2 df 49 47 71 55 bb 4e 0c 83 6d a6 52 7e",
        "DD:70:02:4C:A9:1C:B2:DF:49:47:71:55:BB:4E:0C:83:6D:A6:52:7E",
        "\u{200E}dd 70 02 4c a9 1c b2 df 49 47 71 55 bb 4e 0c 83 6d a6 52 7e",
        "  DD70024CA91CB2DF49477155BB4E0C836DA6527E\r\n",
        "SHA1 Fingerprint=DD:70:02:4C:A9:1C:B2:DF:49:47:71:55:BB:4E:0C:83:6D:A6:52:7E",
        "sha1 Fingerprint=DD:70:02:4C:A9:1C:B2:DF:49:47:71:55:BB:4E:0C:83:6D:A6:52:7E\n",
    ] {
        assert_eq!(input.parse::<Thumbprint>().unwrap(), want, "{input:?}");
    }
    for bad in [
        "",
        "DD70",
        "ZZ70024CA91CB2DF49477155BB4E0C836DA6527E",
        &format!("{TP}00"),
    ] {
        assert!(bad.parse::<Thumbprint>().is_err(), "{bad:?}");
    }
}

#[test]
fn stores_and_locations() {
    assert_eq!(Store::default(), Store::AuthRoot);
    for (text, store, key) in [
        ("authroot", Store::AuthRoot, "AuthRoot"),
        ("ROOT", Store::Root, "ROOT"),
        ("Root", Store::Root, "ROOT"),
        ("ca", Store::Ca, "CA"),
        (
            "trustedpublisher",
            Store::TrustedPublisher,
            "TrustedPublisher",
        ),
        ("TrustedPeople", Store::TrustedPeople, "TrustedPeople"),
        ("DISALLOWED", Store::Disallowed, "Disallowed"),
    ] {
        let parsed: Store = text.parse().unwrap();
        assert_eq!(parsed, store);
        assert_eq!(parsed.key_name(), key);
    }
    assert!("My".parse::<Store>().is_err());
    assert_eq!("policy".parse::<Location>().unwrap(), Location::Policy);
    assert_eq!(
        "Enterprise".parse::<Location>().unwrap(),
        Location::Enterprise
    );
    assert_eq!("MACHINE".parse::<Location>().unwrap(), Location::Machine);
    assert!("user".parse::<Location>().is_err());

    assert_eq!(
        certificates_key(Location::Machine, Store::AuthRoot),
        "Microsoft\\SystemCertificates\\AuthRoot\\Certificates"
    );
    let tp: Thumbprint = TP.to_lowercase().parse().unwrap();
    assert_eq!(
        cert_key_path(Location::Policy, Store::Root, &tp),
        format!("Policies\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\{TP}")
    );
    assert_eq!(
        cert_key_path(Location::Enterprise, Store::Ca, &tp),
        format!("Microsoft\\EnterpriseCertificates\\CA\\Certificates\\{TP}")
    );
}
