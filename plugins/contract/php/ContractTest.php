<?php

/**
 * The contract check: PHP recomputes every vector of plugins/contract/ that the server's own
 * signing code generated (tests/core/test_contract.py), so that the Python and PHP sides
 * cannot drift apart silently. Valid signatures and tokens are recomputed byte for byte with
 * hash_hmac and base64; every check is decided as the server decides it.
 */

declare(strict_types=1);

namespace SocialWidgetKit\Contract;

use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/Contract.php';

final class ContractTest extends TestCase
{
    private const FORMAT = 1;

    /** @return array<string, mixed> */
    private static function vectors(string $file): array
    {
        $json = file_get_contents(dirname(__DIR__) . '/' . $file);
        self::assertIsString($json, $file);
        $document = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
        self::assertSame(self::FORMAT, $document['format'], "$file: a format this check does not know");
        return $document;
    }

    /** @return array<string, array{0: array<string, mixed>}> */
    private static function named(string $file, string $list): array
    {
        $cases = [];
        foreach (self::vectors($file)[$list] as $vector) {
            $cases[$vector['name']] = [$vector];
        }
        return $cases;
    }

    public static function signatures(): array
    {
        return self::named('signatures.json', 'signatures');
    }

    public static function requestChecks(): array
    {
        return self::named('signatures.json', 'checks');
    }

    public static function tokens(): array
    {
        return self::named('tokens.json', 'tokens');
    }

    public static function tokenChecks(): array
    {
        return self::named('tokens.json', 'checks');
    }

    public function testEveryListHasVectors(): void
    {
        foreach ([self::signatures(), self::requestChecks(), self::tokens(), self::tokenChecks()] as $cases) {
            self::assertNotEmpty($cases);
        }
    }

    /** @dataProvider signatures */
    public function testTheSignatureIsRecomputed(array $vector): void
    {
        $body = base64_decode($vector['body_base64'], true);
        self::assertSame($vector['body'], $body);
        $headers = [
            'X-SWK-Site' => $vector['public_key'],
            'X-SWK-Timestamp' => $vector['timestamp'],
            'X-SWK-Signature' => Contract::requestSignature(
                $vector['secret'],
                $vector['timestamp'],
                $vector['method'],
                $vector['path'],
                $body
            ),
        ];
        self::assertSame($vector['headers'], $headers);
    }

    /** @dataProvider requestChecks */
    public function testTheRequestIsDecidedAsTheServerDecides(array $check): void
    {
        $reason = null;
        try {
            Contract::verifyRequest(
                $check['secrets'],
                $check['timestamp'],
                $check['signature'],
                $check['method'],
                $check['path'],
                base64_decode($check['body_base64'], true),
                $check['now'],
                $check['tolerance']
            );
        } catch (Refused $refused) {
            $reason = $refused->reason;
        }
        self::assertSame($check['valid'], $reason === null);
        self::assertSame($check['reason'], $reason);
    }

    /** @dataProvider tokens */
    public function testTheTokenIsRecomputed(array $vector): void
    {
        self::assertSame($vector['payload_json'], Contract::tokenJson($vector['payload'], $vector['expires_at']));
        $token = Contract::makeToken($vector['secret'], $vector['purpose'], $vector['payload'], $vector['expires_at']);
        self::assertSame($vector['token'], $token);
    }

    /** @dataProvider tokenChecks */
    public function testTheTokenIsReadAsTheServerReadsIt(array $check): void
    {
        $payload = null;
        $reason = null;
        try {
            $payload = Contract::readToken(
                $check['secrets'],
                $check['purpose'],
                $check['token'],
                $check['now'],
                $check['max_age']
            );
        } catch (Refused $refused) {
            $reason = $refused->reason;
        }
        self::assertSame($check['valid'], $reason === null);
        self::assertSame($check['reason'], $reason);
        self::assertSame($check['payload'], $payload);
    }
}
