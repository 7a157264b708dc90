// The RealWorld (Conduit) API shapes: one TypeBox schema per fact drives validation, serialisation, types and
// the OpenAPI document. Names and shapes follow the RealWorld specification, not the house conventions.
import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);

export const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S', description: 'Unique.' });
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
// The specification sets no minimum length; clients (and their test suites) rely on that.
export const Password = Type.String({ minLength: 1, maxLength: 256 });
const Bio = Type.String({ maxLength: 2000 });
const Image = Type.String({ maxLength: 2000 });

export const UserSchema = Type.Object(
  {
    email: Type.String(),
    token: Type.String(),
    username: Type.String(),
    bio: Nullable(Type.String()),
    image: Nullable(Type.String()),
  },
  { $id: 'ConduitUser' },
);
export type User = Static<typeof UserSchema>;
export const UserResponse = Type.Object({ user: UserSchema });

export const ProfileSchema = Type.Object(
  {
    username: Type.String(),
    bio: Nullable(Type.String()),
    image: Nullable(Type.String()),
    following: Type.Boolean(),
  },
  { $id: 'ConduitProfile' },
);
export type Profile = Static<typeof ProfileSchema>;
export const ProfileResponse = Type.Object({ profile: ProfileSchema });

const articleFields = {
  slug: Type.String(),
  title: Type.String(),
  description: Type.String(),
  tagList: Type.Array(Type.String(), { description: 'Sorted.' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  favorited: Type.Boolean(),
  favoritesCount: Type.Integer(),
  author: ProfileSchema,
};
export const ArticleSchema = Type.Object({ ...articleFields, body: Type.String() }, { $id: 'ConduitArticle' });
export type Article = Static<typeof ArticleSchema>;
export const ArticleResponse = Type.Object({ article: ArticleSchema });
/**
 * Lists carry the body too. The RealWorld API made it optional in lists in 2024, but the specification's own Postman
 * suite, and the many clients written against it, still expect it there; a client that ignores it loses nothing.
 */
export const ArticlesResponse = Type.Object({
  articles: Type.Array(ArticleSchema),
  articlesCount: Type.Integer({ description: 'All articles matching the filters, not only this page.' }),
});
export type ArticlesPage = Static<typeof ArticlesResponse>;

export const CommentSchema = Type.Object(
  {
    id: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    body: Type.String(),
    author: ProfileSchema,
  },
  { $id: 'ConduitComment' },
);
export type Comment = Static<typeof CommentSchema>;
export const CommentResponse = Type.Object({ comment: CommentSchema });
export const CommentsResponse = Type.Object({ comments: Type.Array(CommentSchema) });
export const TagsResponse = Type.Object({ tags: Type.Array(Type.String()) });

export const GenericError = Type.Object(
  { errors: Type.Object({ body: Type.Array(Type.String()) }) },
  { $id: 'ConduitError', description: 'RealWorld error body.' },
);
export const Empty = Type.Object({}, { description: 'Nothing to return.' });

// Requests. Unknown properties are ignored, not rejected: RealWorld frontends send whole objects back on update.
export const LoginRequest = Type.Object({
  user: Type.Object({ email: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) }),
});
export const RegisterRequest = Type.Object({
  user: Type.Object({ username: Username, email: Email, password: Password }),
});
export const UpdateUserRequest = Type.Object({
  user: Type.Object(
    {
      email: Type.Optional(Email),
      username: Type.Optional(Username),
      password: Type.Optional(Password),
      // Null first: with type coercion, anyOf would otherwise turn null into "". An empty string clears the field.
      bio: Type.Optional(Type.Union([Type.Null(), Bio])),
      image: Type.Optional(Type.Union([Type.Null(), Image])),
    },
    { minProperties: 1 },
  ),
});
export type UserPatch = Static<typeof UpdateUserRequest>['user'];

const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Description = Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' });
const Body = Type.String({ minLength: 1, maxLength: 100_000, pattern: '\\S' });
const Tag = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' });
const TagList = Type.Array(Tag, { maxItems: 20 });
export const NewArticleRequest = Type.Object({
  article: Type.Object({ title: Title, description: Description, body: Body, tagList: Type.Optional(TagList) }),
});
export type NewArticle = Static<typeof NewArticleRequest>['article'];
export const UpdateArticleRequest = Type.Object({
  article: Type.Object({
    title: Type.Optional(Title),
    description: Type.Optional(Description),
    body: Type.Optional(Body),
    tagList: Type.Optional(TagList),
  }),
});
export type ArticlePatch = Static<typeof UpdateArticleRequest>['article'];
export const NewCommentRequest = Type.Object({ comment: Type.Object({ body: Body }) });

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 300 }) });
export const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 300 }) });
export const CommentParams = Type.Object({
  slug: Type.String({ minLength: 1, maxLength: 300 }),
  id: Type.Integer({ minimum: 1, maximum: 9_007_199_254_740_991 }),
});
const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Articles per page (default 20).' });
const Offset = Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'Articles to skip.' });
export const ListQuery = Type.Object({
  tag: Type.Optional(Type.String({ maxLength: 64, description: 'Only articles with this tag.' })),
  author: Type.Optional(Type.String({ maxLength: 64, description: "Only this author's articles (username)." })),
  favorited: Type.Optional(
    Type.String({ maxLength: 64, description: 'Only articles this user favorited (username).' }),
  ),
  limit: Limit,
  offset: Offset,
});
export type ListFilters = Static<typeof ListQuery>;
export const FeedQuery = Type.Object({ limit: Limit, offset: Offset });
