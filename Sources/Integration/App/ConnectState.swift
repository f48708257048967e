import Crypto
import Foundation
import GitHub

/// The `state` of the install link: AES-GCM sealed (so it is both encrypted and signed), naming
/// the site and the user, expiring within the hour, and single-use through a nonce the landlord
/// remembers. An "encrypted tenant id" alone (seed 003) could be replayed forever.
struct ConnectState: Sendable, Equatable {
    static let lifetime: TimeInterval = 3600

    var nonce: String
    var site: String
    var user: String
    var expiresAt: Date

    private struct Wire: Codable {
        var n: String
        var s: String
        var u: String
        var e: Int64
    }

    enum Refusal: Error, Equatable { case malformed, expired }

    static func make(site: String, user: String, now: Date = Date()) -> ConnectState {
        var bytes = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        return ConnectState(nonce: bytes.map { String(format: "%02x", $0) }.joined(), site: site, user: user,
                            expiresAt: Date(timeIntervalSince1970: (now.timeIntervalSince1970 + lifetime).rounded(.down)))
    }

    func seal(key: SymmetricKey) throws -> String {
        let wire = Wire(n: nonce, s: site, u: user, e: Int64(expiresAt.timeIntervalSince1970))
        let box = try AES.GCM.seal(try JSONEncoder().encode(wire), using: key)
        guard let combined = box.combined else { throw Refusal.malformed }
        return Base64URL.encode(combined)
    }

    /// Opens a state; `.malformed` for anything not sealed by us (forged, truncated, another key).
    static func open(_ text: String, key: SymmetricKey, now: Date = Date()) throws -> ConnectState {
        guard text.count < 2048, let data = Base64URL.decode(text), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key), let wire = try? JSONDecoder().decode(Wire.self, from: plain),
              wire.n.count == 32 else { throw Refusal.malformed }
        let state = ConnectState(nonce: wire.n, site: wire.s, user: wire.u, expiresAt: Date(timeIntervalSince1970: TimeInterval(wire.e)))
        guard state.expiresAt > now else { throw Refusal.expired }
        return state
    }
}
