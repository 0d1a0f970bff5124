//! Revocation and issuer URLs of a path: cRLDistributionPoints and authorityInfoAccess.

use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};

use crate::cert::Cert;
use crate::verdict::{PathUrl, UrlKind};

const OID_OCSP: &str = "1.3.6.1.5.5.7.48.1";
const OID_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// The URLs of every path certificate, in path order, each (kind, URL) once.
pub(crate) fn collect(path: &[&Cert<'_>]) -> Vec<PathUrl> {
    let mut out: Vec<PathUrl> = Vec::new();
    let mut push = |cert: usize, kind: UrlKind, url: &str| {
        if !out.iter().any(|u| u.kind == kind && u.url == url) {
            out.push(PathUrl {
                cert,
                kind,
                url: url.to_string(),
            });
        }
    };
    for (i, cert) in path.iter().enumerate() {
        for ext in cert.x509.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::CRLDistributionPoints(points) => {
                    for point in points.iter() {
                        if let Some(DistributionPointName::FullName(names)) =
                            &point.distribution_point
                        {
                            for name in names {
                                if let GeneralName::URI(url) = name {
                                    push(i, UrlKind::CrlDistributionPoint, url);
                                }
                            }
                        }
                    }
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for desc in aia.iter() {
                        let GeneralName::URI(url) = desc.access_location else {
                            continue;
                        };
                        match desc.access_method.to_id_string().as_str() {
                            OID_OCSP => push(i, UrlKind::Ocsp, url),
                            OID_CA_ISSUERS => push(i, UrlKind::CaIssuers, url),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}
