/* rules_same_digests.h — test_rules_same.c's digests of every rule scorer's results,
 * as the build before the scorers were made faster gave them
 * (test_rules_same --digests). */
#include <stdint.h>

static const uint64_t want_gen[3][9] = {
    {0xe43b0f6af7e39d46ull, 0xf39fea37663cf318ull, 0xaeeff3f04fb48bc8ull, 0xa9f1cb5b598ac3efull, 0x3e13bb58fb3bc864ull, 0xbcaf73d9c61a498cull, 0x326cd297aeeafd2bull, 0xc012669e851f5239ull, 0xef70df022e46cdbbull},
    {0x5620f1819806526eull, 0x85cbd96495b9a7ffull, 0xec1ec84688e94b0eull, 0x5f4189da68c36f38ull, 0x653e4e6dafed4d1dull, 0x93faea03b569969cull, 0x5df7ebf22084fb15ull, 0x9b65614c6435f063ull, 0x456b36aaca7d8eedull},
    {0xd3f66d914e35853cull, 0x1359dc79e6009c24ull, 0x3a3a2552ee42c738ull, 0x3795563723a5781bull, 0x58a0fff41d6a5bf9ull, 0xabf428aadfc6cfccull, 0xe8eddf51c1ceac17ull, 0x7397b40fc12b8c4dull, 0x341d1fed2fe4313bull},
};
static const uint64_t want_sample[3][9] = {
    {0xb4eea403480229a2ull, 0x5c135b984d354987ull, 0x00c20f782fc0f374ull, 0xfad3c5fa0e6c21c0ull, 0xd886e8929f57f0c0ull, 0xf0d3f30d53135f2dull, 0x24085be8ced16e90ull, 0x1a6bd26de4bd21f1ull, 0x60c619efff0278b7ull},
    {0xc12857530c447658ull, 0x975f1e02fba9adabull, 0x1fb5d0a0c7c419c6ull, 0xce4f35a5425643c5ull, 0x4a3439b381b48a61ull, 0x4c22c3e67fe68987ull, 0x8afee2434949ef0eull, 0x89beb506b5f4126bull, 0xec7d21d004fa3e96ull},
    {0xbcc81ce562c62652ull, 0x184597774863007full, 0x524bc11f18354040ull, 0x02cd0be7bb8708d7ull, 0x554ef4aec245ab35ull, 0x5f089d88a2fb1369ull, 0x08e3a43a73d759d8ull, 0x49c16ea7121013cdull, 0x8f6d325b10ae2f1full},
};
static const uint64_t want_random[3][9] = {
    {0xb5d506b1800c80b6ull, 0x6bcd27d31ba098aeull, 0x9f50850c4a7ac09full, 0xfddc8ac3a7030e60ull, 0x5f0b8dd348816a10ull, 0x66ebaeb957d94602ull, 0x5113c699eee3a192ull, 0xf41edda44406a2e9ull, 0xf2cee853ebbcd3abull},
    {0x67e250db8b91ac66ull, 0x2e82977b731d9027ull, 0xebab2eab3a059a6bull, 0x0be2255e2816442aull, 0xc57a78194f88a4c3ull, 0xb5d1eab4fad70256ull, 0xbb1c83a6e3bd51d2ull, 0x02669cf2d47cc1d3ull, 0xeead2bb60f122f18ull},
    {0x8a91586d09b0f3a2ull, 0x3e29de8a910fd9f6ull, 0xfd6045e477e661fbull, 0xd420c04768b590e0ull, 0x5044adc19c78143bull, 0x90a8718119ce8536ull, 0x77c2230601999892ull, 0xa4bdebf2778bc3edull, 0x1969c8d08d63dffbull},
};
