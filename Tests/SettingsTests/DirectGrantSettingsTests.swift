import FlowEngine
import Foundation
import OAuthCore
import Settings
import Testing

@Suite struct DirectGrantSettingsTests {
    func resolve(_ args: [String], grant: String, environment: [String: String] = [:]) throws(UsageError) -> ResolvedFlow {
        do {
            // "@--flag value" goes to the grant options, the rest to the provider options.
            var provider: [String] = [], grantArgs: [String] = []
            var i = 0
            while i < args.count {
                if args[i].hasPrefix("@") {
                    grantArgs += [String(args[i].dropFirst())] + (i + 1 < args.count ? [args[i + 1]] : [])
                    i += 2
                } else {
                    provider.append(args[i])
                    i += 1
                }
            }
            var l = try ProviderOptions.parse(["--token-url", "https://id.example/token", "--client-id", "app"] + provider).layer()
            for (s, v) in try FlowTuning.parse(["--grant", grant]).layer().values { l[s] = v }
            for (s, v) in try GrantOptions.parse(grantArgs).layer().values { l[s] = v }
            return try ResolvedFlow.resolve([l, SettingsLayer.defaults(for: .flow)], environment: environment)
        } catch let e as UsageError {
            throw e
        } catch {
            throw UsageError("\(error)")
        }
    }

    func file(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("oauthscope-grant-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func clientCredentialsNeedsClientAuthenticationUnlessNoneIsAskedFor() throws {
        do {
            _ = try resolve([], grant: "client-credentials")
            Issue.record("a client-credentials flow without a secret ran")
        } catch {
            #expect(error.description.contains("--grant client-credentials") && error.description.contains("RFC 6749 §4.4"))
        }
        #expect(try resolve(["--client-secret-env", "S"], grant: "client-credentials", environment: ["S": "x"]).tokenAuth == .clientSecretBasic)
        // Asked for on purpose: sent, so the server's refusal can be seen.
        #expect(try resolve(["--token-auth", "none"], grant: "client-credentials").tokenAuth == .none)
    }

    @Test func theRefreshTokenComesFromTheEnvironmentOrAFileTrimmed() throws {
        let fromEnv = try resolve(["@--refresh-token-env", "RT"], grant: "refresh-token", environment: ["RT": "  rt-value\n"])
        #expect(fromEnv.grantInputs.refreshToken?.value == "rt-value")
        let path = try file("rt-from-file\n\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try resolve(["@--refresh-token-file", path], grant: "refresh-token")
        #expect(fromFile.grantInputs.refreshToken?.value == "rt-from-file")
        #expect(fromFile.configuration(mode: "flow", redirectURI: Setting.defaultRedirectURI, reveal: false, serveActions: false).grantInputs.refreshToken?.value == "rt-from-file")
        // The token itself is never shown among the settings: only where it comes from.
        #expect(!fromFile.settings.origins(reveal: false).contains { $0.value.contains("rt-from-file") })
    }

    @Test func missingEmptyOrOversizedTokenSourcesAreUsageErrorsNamingTheFlag() throws {
        let cases: [([String], [String: String], String)] = [
            ([], [:], "--refresh-token-env NAME or --refresh-token-file PATH"),
            (["@--refresh-token-env", "RT"], [:], "--refresh-token-env RT"),
            (["@--refresh-token-env", "RT"], ["RT": "  "], "--refresh-token-env RT"),
            (["@--refresh-token-file", "/nonexistent/oauthscope/token"], [:], "--refresh-token-file /nonexistent/oauthscope/token"),
        ]
        for (args, env, words) in cases {
            do {
                _ = try resolve(args, grant: "refresh-token", environment: env)
                Issue.record("\(args) resolved")
            } catch {
                #expect(error.description.contains(words), "\(error.description)")
            }
        }
        let big = try file(String(repeating: "x", count: DirectGrantSettings.maximumTokenFileBytes + 1))
        let empty = try file("\n")
        defer { for p in [big, empty] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(throws: UsageError.self) { try resolve(["@--refresh-token-file", big], grant: "refresh-token") }
        #expect(throws: UsageError.self) { try resolve(["@--refresh-token-file", empty], grant: "refresh-token") }
        // Two sources of one token at once are refused by the parser.
        #expect(throws: (any Error).self) { try GrantOptions.parse(["--refresh-token-env", "A", "--refresh-token-file", "b"]) }
    }

    @Test func tokenExchangeTakesTypesByShortNameAudiencesAndResources() throws {
        let flow = try resolve(["@--subject-token-env", "ST", "@--subject-token-type", "id_token", "@--actor-token-env", "AT",
                                "@--requested-token-type", "urn:example:custom", "@--audience", "a1", "@--audience", "a2", "@--resource", "https://r.example/"],
                               grant: "token-exchange", environment: ["ST": "subject", "AT": "actor"])
        let g = flow.grantInputs
        #expect(g.subjectToken?.value == "subject")
        #expect(g.subjectTokenType == TokenTypeURI.idToken)
        #expect(g.actorToken?.value == "actor")
        #expect(g.actorTokenType == TokenTypeURI.accessToken)
        #expect(g.requestedTokenType == "urn:example:custom")
        #expect(g.audiences == ["a1", "a2"])
        #expect(g.resources == ["https://r.example/"])
        // The default subject token type is the access token's.
        #expect(try resolve(["@--subject-token-env", "ST"], grant: "token-exchange", environment: ["ST": "s"]).grantInputs.subjectTokenType == TokenTypeURI.accessToken)
    }

    @Test func badTokenTypesAndResourcesAreRefusedNamingTheFlag() {
        for (args, flag) in [(["--subject-token-type", "bearer"], "--subject-token-type"), (["--resource", "api"], "--resource"),
                             (["--resource", "https://r.example/#frag"], "--resource"), (["--requested-token-type", "x y"], "--requested-token-type")] {
            do {
                _ = try GrantOptions.parse(args)
                Issue.record("\(args) parsed")
            } catch {
                #expect("\(GrantOptions.message(for: error))".contains(flag), "\(GrantOptions.message(for: error))")
            }
        }
    }

    @Test func anActorTokenTypeWithoutAnActorTokenIsRefused() {
        #expect(throws: UsageError.self) {
            try resolve(["@--subject-token-env", "ST", "@--actor-token-type", "jwt"], grant: "token-exchange", environment: ["ST": "s"])
        }
    }
}
