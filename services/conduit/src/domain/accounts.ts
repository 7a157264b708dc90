// Account use cases: register, log in, read and change the current user. Tokens are issued here.
import type { UserRecord, UsersRepo } from '../data/users-repo.ts';
import type { User, UserPatch } from '../schemas.ts';
import { decoyHash, hashPassword, passwordMatches } from './passwords.ts';
import type { Tokens } from './tokens.ts';

export class Accounts {
  private readonly users: UsersRepo;
  private readonly tokens: Tokens;
  constructor(users: UsersRepo, tokens: Tokens) {
    this.users = users;
    this.tokens = tokens;
  }

  private async present(u: UserRecord, token?: string): Promise<User> {
    return {
      email: u.email,
      token: token ?? (await this.tokens.sign(u.id, u.username)),
      username: u.username,
      bio: u.bio,
      image: u.image,
    };
  }

  /** Throws Taken when the username or email is someone else's. */
  async register(input: { username: string; email: string; password: string }): Promise<User> {
    const user = await this.users.create({
      username: input.username,
      email: input.email,
      passwordHash: await hashPassword(input.password),
    });
    return this.present(user);
  }

  /** Undefined for an unknown email or a wrong password (the caller cannot tell which, nor can timing). */
  async login(email: string, password: string): Promise<User | undefined> {
    const user = await this.users.byEmail(email);
    const ok = await passwordMatches(user?.passwordHash ?? (await decoyHash), password);
    return user && ok ? this.present(user) : undefined;
  }

  /** The signed-in user, answered with the token they presented. */
  async current(id: string, token: string): Promise<User | undefined> {
    const user = await this.users.byId(id);
    return user ? this.present(user, token) : undefined;
  }

  /** Throws Taken on a clash. The token stays valid (it names the user id, not the username). */
  async update(id: string, token: string, patch: UserPatch): Promise<User | undefined> {
    const user = await this.users.update(id, {
      ...(patch.username !== undefined ? { username: patch.username } : {}),
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.password !== undefined ? { passwordHash: await hashPassword(patch.password) } : {}),
      ...(patch.bio !== undefined ? { bio: patch.bio } : {}),
      ...(patch.image !== undefined ? { image: patch.image } : {}),
    });
    return user ? this.present(user, token) : undefined;
  }
}
