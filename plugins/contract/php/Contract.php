<?php

/**
 * The contract check's reference signer and verifier: plain PHP, no dependencies.
 *
 * It does in PHP what widgetserver/core/signing.py does in Python (docs/api.md sections 4
 * and 5), so that ContractTest can check every vector of plugins/contract/ from the PHP side.
 * The plugins sign with the same few lines (hash_hmac, base64); only the tests use this file.
 */

declare(strict_types=1);

namespace SocialWidgetKit\Contract;

/** A request or token the server refuses; $reason is the API's `error` word. */
final class Refused extends \RuntimeException
{
    public function __construct(public readonly string $reason)
    {
        parent::__construct($reason);
    }
}

final class Contract
{
    public const SIGNATURE_PREFIX = 'sha256=';
    public const TOKEN_MAX_LENGTH = 4096;

    /** The X-SWK-Signature value of a server-to-server request. */
    public static function requestSignature(
        string $secret,
        string $timestamp,
        string $method,
        string $path,
        string $body
    ): string {
        $message = $timestamp . '.' . strtoupper($method) . '.' . $path . '.' . $body;
        return self::SIGNATURE_PREFIX . hash_hmac('sha256', $message, $secret);
    }

    /**
     * Accept a request signed with one of $secrets, or throw Refused with the server's reason.
     *
     * @param list<string> $secrets the site's current secret, during a grace period also the previous one
     */
    public static function verifyRequest(
        array $secrets,
        ?string $timestamp,
        ?string $signature,
        string $method,
        string $path,
        string $body,
        int $now,
        int $tolerance
    ): void {
        if ($timestamp === null || $timestamp === '' || $signature === null || $signature === '') {
            throw new Refused('signature_missing');
        }
        if (preg_match('/^[0-9]{1,12}$/D', $timestamp) !== 1) {
            throw new Refused('timestamp_invalid');
        }
        if (abs($now - (int) $timestamp) > $tolerance) {
            throw new Refused('timestamp_out_of_tolerance');
        }
        $given = strtolower(trim($signature));
        if (!str_starts_with($given, self::SIGNATURE_PREFIX) || preg_match('/[^\x00-\x7f]/', $given) === 1) {
            throw new Refused('signature_invalid');
        }
        foreach ($secrets as $secret) {
            if (hash_equals(self::requestSignature($secret, $timestamp, $method, $path, $body), $given)) {
                return;
            }
        }
        throw new Refused('signature_invalid');
    }

    /** The JSON inside a token: the payload's keys in order, then exp; no spaces, `/` unescaped. */
    public static function tokenJson(array $payload, int $expiresAt): string
    {
        $payload['exp'] = $expiresAt;
        return json_encode($payload, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /** A site token for $purpose: B64URL(json) . "." . B64URL(HMAC_SHA256(secret, purpose . "." . B64URL(json))). */
    public static function makeToken(string $secret, string $purpose, array $payload, int $expiresAt): string
    {
        $body = self::base64UrlEncode(self::tokenJson($payload, $expiresAt));
        return $body . '.' . self::base64UrlEncode(hash_hmac('sha256', $purpose . '.' . $body, $secret, true));
    }

    /**
     * The payload of a valid, unexpired token made for $purpose, or throw Refused.
     *
     * @param list<string> $secrets
     * @return array<string, mixed>
     */
    public static function readToken(array $secrets, string $purpose, mixed $token, int $now, int $maxAge): array
    {
        if (!is_string($token) || substr_count($token, '.') !== 1 || strlen($token) > self::TOKEN_MAX_LENGTH) {
            throw new Refused('token_invalid');
        }
        [$body, $mac] = explode('.', $token);
        $given = self::base64UrlDecode($mac);
        $signed = false;
        foreach ($secrets as $secret) {
            $signed = $signed || hash_equals(hash_hmac('sha256', $purpose . '.' . $body, $secret, true), $given);
        }
        if (!$signed) {
            throw new Refused('token_invalid');
        }
        $payload = json_decode(self::base64UrlDecode($body), true);
        if (!is_array($payload) || !is_int($payload['exp'] ?? null)) {
            throw new Refused('token_invalid');
        }
        if ($payload['exp'] < $now) {
            throw new Refused('token_expired');
        }
        if ($payload['exp'] > $now + $maxAge) {
            throw new Refused('token_invalid');
        }
        return $payload;
    }

    public static function base64UrlEncode(string $raw): string
    {
        return rtrim(strtr(base64_encode($raw), '+/', '-_'), '=');
    }

    public static function base64UrlDecode(string $text): string
    {
        $raw = base64_decode(strtr($text, '-_', '+/'), true);
        return $raw === false ? '' : $raw;
    }
}
