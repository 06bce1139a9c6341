import Foundation
import JWTKit
import WhistleDomain

/// The claims of a Whistle API token (CONTRACT §8): `department`, optionally `role: auditor`,
/// `exp` always; `sub`, `iss`, `aud` and `iat` as the issuer sets them.
public struct APIClaims: JWTPayload, Equatable {
    public var department: String?
    public var role: String?
    public var exp: ExpirationClaim
    public var sub: SubjectClaim?
    public var iss: IssuerClaim?
    public var aud: AudienceClaim?
    public var iat: IssuedAtClaim?

    public init(
        department: String?, role: String? = nil, expires: Date, subject: String? = nil, issuer: String? = nil,
        audience: String? = nil, issuedAt: Date = Date()
    ) {
        self.department = department
        self.role = role
        exp = ExpirationClaim(value: expires)
        sub = subject.map { SubjectClaim(value: $0) }
        iss = issuer.map { IssuerClaim(value: $0) }
        aud = audience.map { AudienceClaim(value: [$0]) }
        iat = IssuedAtClaim(value: issuedAt)
    }

    /// Checks `exp` against the wall clock (tokens live in real time, whatever the service's
    /// domain clock says).
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired(currentDate: Date())
    }
}

/// Why a request is not authenticated; the message is for the caller, never a secret.
public struct APIAuthenticationError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Verifies bearer tokens: HS256 with the site's shared secret and/or RS256/ES256 with the keys
/// of a JWKS (a city's identity provider), then `iss`/`aud` when configured, then the claims'
/// shape. Key handling and signature checks are jwt-kit's.
public final class APITokenVerifier: Sendable {
    public let keys: JWTKeyCollection
    let issuer: String?
    let audience: String?

    public init(secret: String?, issuer: String?, audience: String?) async {
        keys = JWTKeyCollection()
        self.issuer = issuer
        self.audience = audience
        if let secret { await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256) }
    }

    /// Adds the keys of a JWKS document (RS256/ES256 public keys).
    public func add(jwks json: String) async throws {
        try await keys.add(jwksJSON: json)
    }

    /// The principal of a token, or why it is refused.
    public func principal(token: String) async throws(APIAuthenticationError) -> Principal {
        try await verified(token: token).principal
    }

    /// The principal of a token and when the token expires, or why it is refused.
    public func verified(token: String) async throws(APIAuthenticationError) -> (principal: Principal, expires: Date) {
        let claims: APIClaims
        do {
            claims = try await keys.verify(token, as: APIClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw APIAuthenticationError("the token has expired")
        } catch {
            throw APIAuthenticationError("the token is not valid")
        }
        if let issuer, claims.iss?.value != issuer {
            throw APIAuthenticationError("the token was not issued by \(issuer)")
        }
        if let audience {
            guard let claimed = claims.aud, claimed.value.contains(audience) else {
                throw APIAuthenticationError("the token is not meant for \(audience)")
            }
        }
        switch claims.role {
        case nil, "department"?:
            guard let department = claims.department, !department.isEmpty else {
                throw APIAuthenticationError("the token names no department")
            }
            return (Principal(subject: claims.sub?.value ?? department, department: department, role: .department), claims.exp.value)
        case "auditor"?:
            let subject = claims.sub?.value ?? claims.department ?? "auditor"
            return (Principal(subject: subject, department: claims.department, role: .auditor), claims.exp.value)
        case let other?:
            throw APIAuthenticationError("the token's role \(other) is not known")
        }
    }

    /// Signs a token with the shared secret (`whistlectl token issue`, tests).
    public static func issue(
        secret: String, department: String?, role: String?, ttl: Duration, subject: String? = nil, issuer: String? = nil,
        audience: String? = nil, now: Date = Date()
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let seconds = Double(ttl.components.seconds)
        let claims = APIClaims(
            department: department, role: role, expires: now.addingTimeInterval(seconds), subject: subject, issuer: issuer,
            audience: audience, issuedAt: now)
        return try await keys.sign(claims)
    }
}
