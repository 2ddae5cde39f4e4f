// Known-answer tests. The values (not code) come from the standard RFC 6962 test vectors published in
// transparency-dev/merkle: testonly/constants.go (leaf inputs, node and root hashes) and
// proof/verify_test.go (inclusion and consistency proofs; their leaf numbers are 1-based there,
// 0-based here). The same set is in google/trillian merkle/testonly/constants.go.
import { EMPTY_ROOT_HASH, leafHashOf, MerkleTree, verifyConsistency, verifyInclusion } from './index';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);

const LEAF_HASHES = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
  'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
  '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
];

// Roots for tree sizes 0..8.
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const INCLUSION_PROOFS: { index: number; treeSize: number; proof: string[] }[] = [
  {
    index: 0,
    treeSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    treeSize: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, treeSize: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    treeSize: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY_PROOFS: { oldSize: number; newSize: number; proof: string[] }[] = [
  { oldSize: 1, newSize: 1, proof: [] },
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

describe('RFC 6962 test vectors', () => {
  const tree = MerkleTree.fromLeafHashes(LEAF_INPUTS.map((input) => leafHashOf(input)));

  it('hashes each leaf input to the published leaf hash', () => {
    expect(LEAF_INPUTS.map((input) => toHex(leafHashOf(input)))).toEqual(LEAF_HASHES);
  });

  it('gives the published root for every tree size 0..8', () => {
    expect(toHex(EMPTY_ROOT_HASH)).toBe(ROOTS[0]);
    expect(toHex(new MerkleTree().root())).toBe(ROOTS[0]);
    for (let size = 0; size <= 8; size += 1) {
      expect(toHex(tree.rootAt(size))).toBe(ROOTS[size]);
    }
    expect(toHex(tree.root())).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  });

  it('gives the same roots when grown one leaf at a time', () => {
    const growing = new MerkleTree();
    LEAF_INPUTS.forEach((input, index) => {
      growing.append(leafHashOf(input));
      expect(toHex(growing.root())).toBe(ROOTS[index + 1]);
    });
  });

  it.each(INCLUSION_PROOFS)(
    'produces and verifies the inclusion proof of leaf $index in size $treeSize',
    (vector) => {
      const proof = tree.inclusionProof({ index: vector.index, treeSize: vector.treeSize });
      expect(proof.map(toHex)).toEqual(vector.proof);
      expect(
        verifyInclusion({
          leafHash: hex(LEAF_HASHES[vector.index]),
          index: vector.index,
          treeSize: vector.treeSize,
          proof: vector.proof.map(hex),
          rootHash: hex(ROOTS[vector.treeSize]),
        }),
      ).toBe(true);
    },
  );

  it.each(CONSISTENCY_PROOFS)(
    'produces and verifies the consistency proof $oldSize -> $newSize',
    (vector) => {
      const proof = tree.consistencyProof({ oldSize: vector.oldSize, newSize: vector.newSize });
      expect(proof.map(toHex)).toEqual(vector.proof);
      expect(
        verifyConsistency({
          oldSize: vector.oldSize,
          newSize: vector.newSize,
          oldRoot: hex(ROOTS[vector.oldSize]),
          newRoot: hex(ROOTS[vector.newSize]),
          proof: vector.proof.map(hex),
        }),
      ).toBe(true);
    },
  );
});
